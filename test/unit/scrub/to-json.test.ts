/**
 * An object's toJSON() runs when the result is serialised (jest-worker's IPC, --json), after a scrub that walks
 * properties: settleToJSON puts what it returns in its place first, so scrubDeep sees it.
 */
import { describe, expect, it } from 'vitest';
import { Scrubber, scrubDeep, settleToJSON } from '../../../src/scrub/index.js';

const SECRET = 'CANARY_tojson_8d2b41';
const TWIN = 'harmless-CANARY-tojson';

function scrubber(): Scrubber {
  const s = new Scrubber();
  s.add(SECRET, 'API_KEY');
  return s;
}

const withToJSON = (secret: string): Error =>
  Object.assign(new Error('outer'), { toJSON: () => ({ msg: 'tojson', secret }) });

describe(settleToJSON.name, () => {
  it("puts an own toJSON's result in place, so the scrub and the JSON hold no value", () => {
    const result = { testResults: [{ failureDetails: [withToJSON(SECRET)] }] };
    scrubDeep(settleToJSON(result), scrubber());
    expect(JSON.stringify(result)).toBe(
      '{"testResults":[{"failureDetails":[{"msg":"tojson","secret":"[redacted:API_KEY]"}]}]}'
    );
  });

  it('calls an inherited toJSON (an axios-like error class) with its key, and nested ones in what it returns', () => {
    class ApiError extends Error {
      toJSON(key: string): unknown {
        return { key, config: { headers: { authorization: `Bearer ${SECRET}` } }, inner: withToJSON(SECRET) };
      }
    }
    const details = [new ApiError('request failed')];
    scrubDeep(settleToJSON({ details }), scrubber());
    expect(JSON.stringify(details)).toBe(
      '[{"key":"0","config":{"headers":{"authorization":"Bearer [redacted:API_KEY]"}},' +
        '"inner":{"msg":"tojson","secret":"[redacted:API_KEY]"}}]'
    );
  });

  it('keeps a harmless twin verbatim, and Buffers and Dates as they are', () => {
    const date = new Date(0);
    const buf = Buffer.from('bytes');
    const value = { e: withToJSON(TWIN), date, buf };
    scrubDeep(settleToJSON(value), scrubber());
    expect(value.e).toEqual({ msg: 'tojson', secret: TWIN });
    expect(value.date).toBe(date);
    expect(value.buf).toBe(buf);
  });

  it('replaces the root, and a shared object everywhere by the same result', () => {
    const shared = withToJSON(SECRET);
    const value = { a: shared, b: [shared] };
    settleToJSON(value);
    expect(value.a).toBe(value.b[0]);
    expect(settleToJSON(withToJSON(TWIN))).toEqual({ msg: 'tojson', secret: TWIN });
  });

  it('survives a throwing toJSON (the object then serialises its own properties) and cycles', () => {
    const throwing = Object.assign(new Error('x'), {
      detail: SECRET,
      toJSON: () => {
        throw new Error('no');
      },
    });
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic['self'] = cyclic;
    cyclic['back'] = { toJSON: () => cyclic };
    const value = { throwing, cyclic };
    expect(() => scrubDeep(settleToJSON(value), scrubber())).not.toThrow();
    expect(JSON.stringify(throwing)).toBe('{"detail":"[redacted:API_KEY]"}');
    expect(cyclic['back']).toBe(cyclic);
  });
});
