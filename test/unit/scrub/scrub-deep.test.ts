import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Scrubber, SecretValue, scrubDeep } from '../../../src/scrub/index.js';

const SECRET = 'CANARY_deep_5e1f';

function scrubber(): Scrubber {
  const s = new Scrubber();
  s.add(SECRET, 'API_KEY');
  return s;
}

describe(scrubDeep.name, () => {
  it('scrubs an Error: message, stack, cause chain and AggregateError members', () => {
    const root = new Error(`root ${SECRET}`);
    const middle = new TypeError(`middle ${SECRET}`, { cause: root });
    const top = new AggregateError([new Error(`member ${SECRET}`), `plain ${SECRET}`], `top ${SECRET}`, {
      cause: middle,
    });
    expect(scrubDeep(top, scrubber())).toBe(top);
    expect(top.message).toBe('top [redacted:API_KEY]');
    expect((top.errors[0] as Error).message).toBe('member [redacted:API_KEY]');
    expect(top.errors[1]).toBe('plain [redacted:API_KEY]');
    expect(middle.message).toBe('middle [redacted:API_KEY]');
    expect(root.message).toBe('root [redacted:API_KEY]');
    expect(root.stack?.split('\n')[0]).toBe('Error: root [redacted:API_KEY]');
    expect(inspect(top)).not.toContain(SECRET);
  });

  it('scrubs assertion fields (actual, expected, diff, matcherResult) and custom properties', () => {
    const error = Object.assign(new Error('expected values to be equal'), {
      actual: { url: `postgres://u:${SECRET}@db/x`, list: [SECRET, 42, null] },
      expected: 'postgres://u:other@db/x',
      diff: `- Expected\n+ Received\n\n- postgres://u:other@db/x\n+ postgres://u:${SECRET}@db/x`,
      matcherResult: { message: () => 'fn', actual: SECRET, pass: false },
      [Symbol('extra')]: SECRET,
      code: 42,
    });
    scrubDeep(error, scrubber());
    expect(error.actual).toEqual({
      url: 'postgres://u:[redacted:API_KEY]@db/x',
      list: ['[redacted:API_KEY]', 42, null],
    });
    expect(error.diff).toBe(
      '- Expected\n+ Received\n\n- postgres://u:other@db/x\n+ postgres://u:[redacted:API_KEY]@db/x'
    );
    expect(error.matcherResult.actual).toBe('[redacted:API_KEY]');
    expect(inspect(error, { showHidden: true, depth: 10 })).not.toContain(SECRET);
  });

  it('survives cycles and visits shared objects once', () => {
    const a: Record<string, unknown> = { name: SECRET };
    const b: Record<string, unknown> = { a, text: `b ${SECRET}` };
    a['b'] = b;
    a['self'] = a;
    const seen = new WeakSet<object>();
    scrubDeep([a, b, a], scrubber(), seen);
    expect(a['name']).toBe('[redacted:API_KEY]');
    expect(b['text']).toBe('b [redacted:API_KEY]');
    expect(seen.has(a) && seen.has(b)).toBe(true);
  });

  it('redefines read-only configurable properties and leaves frozen objects alone', () => {
    const readOnly = {};
    Object.defineProperty(readOnly, 'token', { value: SECRET, writable: false, configurable: true, enumerable: true });
    const frozen = Object.freeze({ token: SECRET });
    scrubDeep({ readOnly, frozen }, scrubber());
    expect(Object.getOwnPropertyDescriptor(readOnly, 'token')).toEqual({
      value: '[redacted:API_KEY]',
      writable: false,
      configurable: true,
      enumerable: true,
    });
    expect(frozen.token).toBe(SECRET);
  });

  it('scrubs Map values and Set members, and returns a scrubbed string for a string', () => {
    const map = new Map<string, unknown>([['k', SECRET]]);
    const set = new Set([SECRET, 'kept']);
    scrubDeep({ map, set }, scrubber());
    expect([...map]).toEqual([['k', '[redacted:API_KEY]']]);
    expect([...set].sort()).toEqual(['[redacted:API_KEY]', 'kept']);
    expect(scrubDeep(`s ${SECRET}`, scrubber())).toBe('s [redacted:API_KEY]');
    expect(scrubDeep(42, scrubber())).toBe(42);
    expect(scrubDeep(null, scrubber())).toBe(null);
  });

  it('does not call getters or touch binary data and SecretValues', () => {
    let calls = 0;
    const bytes = Buffer.from(SECRET);
    const secret = new SecretValue(SECRET, 'api');
    const holder = {
      get lazy() {
        calls++;
        return SECRET;
      },
      bytes,
      secret,
    };
    scrubDeep(holder, scrubber());
    expect(calls).toBe(0);
    expect(bytes.toString()).toBe(SECRET);
    expect(holder.secret).toBe(secret);
  });

  it("replaces a Buffer and a serialised Buffer that hold a value by their redacted text's bytes, and keeps others", () => {
    const s = scrubber();
    const value = SECRET;
    const result = {
      matcherResult: { actual: Buffer.from(`buf ${value}`), expected: Buffer.from('harmless-bytes') },
      json: JSON.parse(JSON.stringify({ actual: Buffer.from(value), other: Buffer.from('harmless-bytes') })),
    };
    scrubDeep(result, s);
    expect(result.matcherResult.actual.toString()).not.toContain(value);
    expect(result.matcherResult.actual.toString()).toContain('[redacted:');
    expect(result.matcherResult.expected.toString()).toBe('harmless-bytes');
    expect(Buffer.from(result.json.actual.data).toString()).not.toContain(value);
    expect(Buffer.from(result.json.other.data).toString()).toBe('harmless-bytes');
  });
});
