import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isBrokerError } from '../../../src/errors.js';
import { formatRef, parseRef, RefSyntaxError, tryParseRef } from '../../../src/ref/index.js';

function corpus(name: string): string[][] {
  const path = fileURLToPath(new URL(`../../../fixtures/refs/${name}`, import.meta.url));
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split('\t'));
}

/** A corpus ref is written as is, or as a JSON string literal when it starts with `"`. */
const decode = (field: string): string => (field.startsWith('"') ? (JSON.parse(field) as string) : field);

const valid = corpus('valid.txt').map(([ref, canonical]) => ({ ref: ref!, canonical: canonical ?? ref! }));
const invalid = corpus('invalid.txt').map(([ref, column, message]) => ({
  ref: decode(ref!),
  column: Number(column),
  message: message!,
}));

describe('corpus sizes', () => {
  it('has enough lines', () => {
    expect(valid.length).toBeGreaterThanOrEqual(40);
    expect(invalid.length).toBeGreaterThanOrEqual(60);
    expect(invalid.every((c) => Number.isInteger(c.column) && c.message.startsWith('ref: '))).toBe(true);
  });
});

describe(parseRef.name, () => {
  it.each(valid)('parses $ref', ({ ref, canonical }) => {
    const parsed = parseRef(ref);
    expect(parsed.raw).toBe(ref);
    expect(formatRef(parsed)).toBe(canonical);
    const { raw: _raw, ...again } = parseRef(formatRef(parsed));
    const { raw: _raw2, ...once } = parsed;
    expect(again).toEqual(once);
  });

  it.each(invalid)('rejects $ref at column $column', ({ ref, column, message }) => {
    const error = (() => {
      try {
        parseRef(ref);
      } catch (e) {
        return e;
      }
      throw new Error('parsed without error');
    })();
    expect(error).toBeInstanceOf(RefSyntaxError);
    expect(isBrokerError(error)).toBe(true);
    const e = error as RefSyntaxError;
    expect(e.code).toBe('REF_SYNTAX');
    expect(e.message).toBe(message);
    expect(e.column).toBe(column);
    expect(e.message).not.toContain('CANARY_');
    expect(e.input).not.toContain('CANARY_');
    expect(e.message).toContain(`; expected ${e.expected} at column ${column} in `);
  });
});

describe(tryParseRef.name, () => {
  it.each(invalid.slice(0, 5))('returns the error for $ref', ({ ref, message }) => {
    const result = tryParseRef(ref);
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.error.message).toBe(message);
  });

  it('returns the ref for a valid input', () => {
    expect(tryParseRef('env:HOME')).toEqual({ ok: true, ref: { raw: 'env:HOME', scheme: 'env', name: 'HOME' } });
  });
});
