import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeySelector, SecretRef } from '../../../src/ref/index.js';
import { formatRef, parseRef, RefSyntaxError } from '../../../src/ref/index.js';

const field = fc.stringMatching(/^[^/#?\s\p{Cc}][^#?\p{Cc}]*$/u).filter((s) => !/\s$/u.test(s));
const token = fc.stringMatching(/^[^#?\p{Cc}]*$/u);
const key: fc.Arbitrary<KeySelector | undefined> = fc.oneof(
  fc.constant(undefined),
  field.map((name) => ({ kind: 'field' as const, name })),
  fc.array(token, { minLength: 1, maxLength: 4 }).map((tokens) => ({ kind: 'pointer' as const, tokens }))
);
const segment = fc.stringMatching(/^[A-Za-z0-9_~+=,@-][A-Za-z0-9_.~+=,@-]{0,8}$/);
const path = fc.stringMatching(/^[^#?\s\p{Cc}]([^#?\p{Cc}]*[^#?\s\p{Cc}])?$/u);

const ref: fc.Arbitrary<Omit<SecretRef, 'raw'>> = fc.oneof(
  fc.record(
    {
      scheme: fc.constant('vault' as const),
      mount: fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/),
      path: fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/')),
      version: fc.integer({ min: 1, max: 1e9 }),
    },
    { requiredKeys: ['scheme', 'mount', 'path'] }
  ),
  fc.record({ scheme: fc.constantFrom('sops' as const, 'age' as const, 'file' as const), path }),
  fc.record({ scheme: fc.constant('env' as const), name: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/) })
);

describe(parseRef.name, () => {
  it('fails only with a RefSyntaxError whose column lies within the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.constantFrom('vault:', 'aws-sm:arn:', 'gcp-sm:projects/').chain((p) => fc.string().map((s) => p + s))
        ),
        (input) => {
          try {
            parseRef(input);
          } catch (error) {
            expect(error).toBeInstanceOf(RefSyntaxError);
            const { column } = error as RefSyntaxError;
            expect(column).toBeGreaterThanOrEqual(1);
            expect(column).toBeLessThanOrEqual([...input].length + 1);
          }
        }
      ),
      { numRuns: 2000 }
    );
  });

  it('reads back what formatRef prints', () => {
    fc.assert(
      fc.property(ref, key, (fields, k) => {
        const value = { ...fields, raw: '', ...(k === undefined ? {} : { key: k }) } as SecretRef;
        const printed = formatRef(value);
        // A key ending in whitespace has no written form: refs reject surrounding whitespace.
        fc.pre(!/\s$/u.test(printed));
        expect({ ...parseRef(printed), raw: '' }).toEqual(value);
      }),
      { numRuns: 1000 }
    );
  });
});
