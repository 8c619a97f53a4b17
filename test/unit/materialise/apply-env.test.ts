import { afterEach, describe, expect, it } from 'vitest';
import { applyEnv } from '../../../src/materialise/index.js';

const SET = 'CB_MATERIALISE_TEST_SET';
const UNSET = 'CB_MATERIALISE_TEST_UNSET';
const EMPTY = 'CB_MATERIALISE_TEST_EMPTY';

afterEach(() => {
  for (const name of [SET, UNSET, EMPTY]) {
    delete process.env[name];
  }
});

describe(applyEnv.name, () => {
  it('restores a sandbox env exactly: previous values, "was unset" and the empty string', () => {
    const env: Record<string, string | undefined> = { [SET]: 'before', [EMPTY]: '', OTHER: 'untouched' };
    const before = { ...env };

    const applied = applyEnv(env, { [SET]: 'CANARY_a', [UNSET]: 'CANARY_b', [EMPTY]: 'CANARY_c' });
    expect(env).toEqual({ ...before, [SET]: 'CANARY_a', [UNSET]: 'CANARY_b', [EMPTY]: 'CANARY_c' });
    expect(applied.names).toEqual([SET, UNSET, EMPTY]);

    applied.restore();
    expect(env).toEqual(before);
    expect(Object.hasOwn(env, UNSET)).toBe(false);
    expect(Object.keys(env).sort()).toEqual([EMPTY, SET, 'OTHER']);
  });

  it('restores the real process.env without leaving the string "undefined" behind', () => {
    process.env[SET] = 'before';
    process.env[EMPTY] = '';
    const applied = applyEnv(process.env, { [SET]: 'CANARY_a', [UNSET]: 'CANARY_b', [EMPTY]: 'CANARY_c' });
    expect([process.env[SET], process.env[UNSET], process.env[EMPTY]]).toEqual(['CANARY_a', 'CANARY_b', 'CANARY_c']);

    applied.restore();
    expect([process.env[SET], process.env[UNSET], process.env[EMPTY]]).toEqual(['before', undefined, '']);
    expect(Object.hasOwn(process.env, UNSET)).toBe(false);
    expect(UNSET in process.env).toBe(false);
  });

  it('restores once: a second restore does not undo later changes', () => {
    const env: Record<string, string | undefined> = {};
    const applied = applyEnv(env, { [SET]: 'CANARY_a' });
    applied.restore();
    env[SET] = 'set later by someone else';
    applied.restore();
    expect(env).toEqual({ [SET]: 'set later by someone else' });
  });

  it('puts back the previous value even if the variable was changed meanwhile', () => {
    const env: Record<string, string | undefined> = { [SET]: 'before' };
    const applied = applyEnv(env, { [SET]: 'CANARY_a', [UNSET]: 'CANARY_b' });
    env[SET] = 'changed by the test';
    delete env[UNSET];
    applied.restore();
    expect(env).toEqual({ [SET]: 'before' });
  });

  it('restores nested applies in reverse order back to the original state', () => {
    const env: Record<string, string | undefined> = { [SET]: 'original' };
    const outer = applyEnv(env, { [SET]: 'CANARY_outer' });
    const inner = applyEnv(env, { [SET]: 'CANARY_inner', [UNSET]: 'CANARY_inner' });
    inner.restore();
    expect(env).toEqual({ [SET]: 'CANARY_outer' });
    outer.restore();
    expect(env).toEqual({ [SET]: 'original' });
  });

  it('restores when disposed with using', () => {
    const env: Record<string, string | undefined> = {};
    {
      using _applied = applyEnv(env, { [UNSET]: 'CANARY_using' });
      expect(env[UNSET]).toBe('CANARY_using');
    }
    expect(env).toEqual({});
  });

  it('refuses invalid names and NUL values before touching anything, without echoing the value', () => {
    const env: Record<string, string | undefined> = {};
    expect(() => applyEnv(env, { [SET]: 'CANARY_a', 'BAD=NAME': 'CANARY_b' })).toThrow(
      'materialise: apply env: invalid environment variable name "BAD=NAME". Use a non-empty name without "=" or NUL'
    );
    expect(() => applyEnv(env, { '': 'CANARY_b' })).toThrow(
      'materialise: apply env: invalid environment variable name "". Use a non-empty name without "=" or NUL'
    );
    expect(() => applyEnv(env, { [SET]: 'CANARY_a', [UNSET]: 'CANARY_\0secret' })).toThrow(
      `materialise: apply env: value for ${UNSET} is not a string without NUL bytes. Environment values cannot carry NUL bytes; deliver this credential as a file instead`
    );
    expect(env).toEqual({});
  });
});
