import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { detachedCopy } from '../../../src/scrub/detached-copy.js';
import { Scrubber, scrubDeep } from '../../../src/scrub/index.js';

const SECRET = 'CANARY_detached_7b2c';

function scrubber(): Scrubber {
  const s = new Scrubber();
  s.add(SECRET, 'API_KEY');
  return s;
}

// What a failed `expect(client).toEqual(…)` leaves in circus's test.errors: the test's own object inside.
function failureWith(client: object): Error {
  return Object.assign(new Error(`expected ${SECRET}`), {
    matcherResult: { actual: client, expected: { first: 'attempt' }, pass: false },
  });
}

describe(detachedCopy.name, () => {
  it("scrubbing the copy leaves the test's own objects (keys and values holding a value) as they were", () => {
    const client = { headers: { [SECRET]: 'tenant-a' }, token: SECRET, seen: new Map([[SECRET, [1, 2]]]) };
    const errors = [failureWith(client)];
    const copy = scrubDeep(detachedCopy(errors), scrubber());

    expect(client.headers[SECRET]).toBe('tenant-a');
    expect(client.token).toBe(SECRET);
    expect(client.seen.has(SECRET)).toBe(true);
    expect(errors[0]?.message).toBe(`expected ${SECRET}`);
    expect(inspect(copy, { depth: null })).not.toContain(SECRET);
    expect(inspect(copy, { depth: null })).toContain("'[redacted:API_KEY]': 'tenant-a'");
  });

  it('keeps prototypes, attributes, symbol keys, cycles and shared objects; calls no getter', () => {
    class Client {
      readonly name = 'c';
    }
    const shared = { n: 1 };
    const marker = Symbol('marker');
    let calls = 0;
    const original: Record<PropertyKey, unknown> = { client: new Client(), a: shared, b: shared, [marker]: 'm' };
    original['self'] = original;
    Object.defineProperty(original, 'lazy', { get: () => ++calls, enumerable: true });
    Object.defineProperty(original, 'hidden', { value: 'h', enumerable: false });
    const error = new TypeError('boom', { cause: original });

    const copy = detachedCopy(error);
    const callsWhileCopying = calls;
    const cause = copy.cause as Record<PropertyKey, unknown>;
    expect(copy).not.toBe(error);
    expect(copy).toBeInstanceOf(TypeError);
    expect(copy.message).toBe('boom');
    expect(copy.stack).toBe(error.stack);
    expect(cause).not.toBe(original);
    expect(cause['client']).toBeInstanceOf(Client);
    expect(cause['a']).toBe(cause['b']);
    expect(cause['a']).not.toBe(shared);
    expect(cause['self']).toBe(cause);
    expect(cause[marker]).toBe('m');
    expect(Object.getOwnPropertyDescriptor(cause, 'hidden')?.enumerable).toBe(false);
    expect(callsWhileCopying).toBe(0);
    expect(Object.getOwnPropertyDescriptor(cause, 'lazy')?.get).toBeTypeOf('function');
  });

  it('copies binary data, dates and regular expressions as what they are, and shares functions', () => {
    const fn = () => 1;
    const original = {
      buffer: Buffer.from(SECRET),
      bytes: new Uint8Array([1, 2, 3]),
      when: new Date(0),
      pattern: /a+/gi,
      fn,
    };
    const copy = detachedCopy(original);
    expect(Buffer.isBuffer(copy.buffer)).toBe(true);
    expect(copy.buffer).not.toBe(original.buffer);
    expect(copy.buffer.equals(original.buffer)).toBe(true);
    expect(copy.bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect(copy.bytes).not.toBe(original.bytes);
    expect(copy.when.getTime()).toBe(0);
    expect(copy.pattern.flags).toBe('gi');
    expect(copy.fn).toBe(fn);
    scrubDeep(copy, scrubber());
    expect(original.buffer.toString()).toBe(SECRET);
  });

  it('keeps a frozen object frozen, and returns the value itself when part of it cannot be copied', () => {
    expect(Object.isFrozen(detachedCopy({ inner: Object.freeze({ v: 1 }) }).inner)).toBe(true);
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys');
        },
      }
    );
    const holder = { hostile };
    expect(detachedCopy(holder)).toBe(holder);
  });
});
