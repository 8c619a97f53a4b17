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
  // Found by the fourth attack on the packed package: reporters and --json printed a key holding the value raw.
  it('renames a key that holds a value, keeping the order of the others, and scrubs what it holds', () => {
    const error = Object.assign(new Error('plain'), { first: 1 } as Record<string, unknown>);
    error[SECRET] = `v ${SECRET}`;
    error['last'] = 2;
    const headers: Record<string, unknown> = { accept: 'json', [`Bearer ${SECRET}`]: true, host: 'h' };
    scrubDeep({ error, headers }, scrubber());
    expect(Object.keys(error)).toEqual(['first', '[redacted:API_KEY]', 'last']);
    expect(error['[redacted:API_KEY]']).toBe('v [redacted:API_KEY]');
    expect(headers).toEqual({ accept: 'json', 'Bearer [redacted:API_KEY]': true, host: 'h' });
    expect(Object.keys(headers)).toEqual(['accept', 'Bearer [redacted:API_KEY]', 'host']);
    expect(JSON.stringify({ error, headers })).not.toContain(SECRET);
    expect(inspect(error)).not.toContain(SECRET);
  });

  it('renames keys to a free name when the label is taken, moves getters uncalled, and leaves frozen keys', () => {
    let calls = 0;
    const holder: Record<string, unknown> = { '[redacted:API_KEY]': 'mine', [SECRET]: 1, [`${SECRET}\n`]: 2 };
    Object.defineProperty(holder, `x${SECRET}`, {
      enumerable: true,
      configurable: true,
      get: () => ++calls,
    });
    const frozen = Object.freeze({ [SECRET]: 1 });
    scrubDeep({ holder, frozen }, scrubber());
    expect(Object.keys(holder)).toEqual([
      '[redacted:API_KEY]',
      '[redacted:API_KEY] (2)',
      '[redacted:API_KEY]\n',
      'x[redacted:API_KEY]',
    ]);
    expect(holder['[redacted:API_KEY]']).toBe('mine');
    expect(calls).toBe(0);
    expect(Object.getOwnPropertyDescriptor(holder, 'x[redacted:API_KEY]')?.get).toBeTypeOf('function');
    expect(Object.keys(frozen)).toEqual([SECRET]);
  });

  it('renames a Map key that holds a value, in order', () => {
    const sessions = new Map<unknown, unknown>([
      ['a', 1],
      [SECRET, { user: 'u' }],
      ['[redacted:API_KEY]', 3],
      [7, 'n'],
    ]);
    scrubDeep({ sessions }, scrubber());
    expect([...sessions.keys()]).toEqual(['a', '[redacted:API_KEY] (2)', '[redacted:API_KEY]', 7]);
    expect(sessions.get('[redacted:API_KEY] (2)')).toEqual({ user: 'u' });
  });

  it("replaces an array of byte numbers that holds a value by its redacted text's bytes", () => {
    const utf8 = Array.from(Buffer.from(`codes ${SECRET}`));
    const charCodes = [...SECRET].map((c) => c.charCodeAt(0));
    const latin1Value = 'CANARY_déjà_5e1f';
    const latin1 = [...latin1Value].map((c) => c.charCodeAt(0));
    const s = scrubber();
    s.add(latin1Value, 'OTHER');
    const error = Object.assign(new Error('p'), { codes: utf8, nested: { charCodes, latin1 } });
    scrubDeep(error, s);
    expect(Buffer.from(error.codes).toString()).toBe('codes [redacted:API_KEY]');
    expect(Buffer.from(charCodes).toString()).toBe('[redacted:API_KEY]');
    expect(Buffer.from(latin1).toString()).toBe('[redacted:OTHER]');
    expect(JSON.stringify(error)).not.toContain(Array.from(Buffer.from(SECRET)).join(','));
  });

  it('keeps harmless keys, a harmless array of byte numbers and short numeric arrays verbatim', () => {
    const make = () =>
      Object.assign(new Error('plain'), {
        'harmless-CANARY-key-token': 1,
        [Array.from(Buffer.from(SECRET)).slice(0, 3).join(',')]: 'k',
        codes: Array.from(Buffer.from('harmless-CANARY-bytes')),
        short: [1, 2, 3],
        sessions: new Map([['harmless-CANARY-session', 1]]),
      });
    const error = make();
    scrubDeep(error, scrubber());
    const twin = make();
    expect(Object.keys(error)).toEqual(Object.keys(twin));
    expect({ ...error }).toEqual({ ...twin });
  });
});
