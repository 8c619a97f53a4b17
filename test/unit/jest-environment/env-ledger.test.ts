import { describe, expect, test } from 'vitest';
import { EnvLedger } from '../../../jest-environment/env-ledger.js';

describe(EnvLedger.name, () => {
  test('restores a variable that was unset by deleting it, and one that was set to its old value', () => {
    const env: Record<string, string | undefined> = { KEPT: 'before' };
    const ledger = new EnvLedger(env);
    const release = ledger.apply({ KEPT: 'CANARY_1', ADDED: 'CANARY_2' });
    expect(env).toEqual({ KEPT: 'CANARY_1', ADDED: 'CANARY_2' });
    release();
    expect(env).toEqual({ KEPT: 'before' });
    expect(Object.hasOwn(env, 'ADDED')).toBe(false);
  });

  test('keeps a variable while another holder (a concurrent test) still has it', () => {
    const env: Record<string, string | undefined> = {};
    const ledger = new EnvLedger(env);
    const first = ledger.apply({ TOKEN: '/scratch/a/token' });
    const second = ledger.apply({ TOKEN: '/scratch/b/token' });
    first();
    expect(env).toEqual({ TOKEN: '/scratch/b/token' });
    expect(ledger.current()).toEqual({ TOKEN: '/scratch/b/token' });
    second();
    expect(env).toEqual({});
  });

  test('falls back to the remaining holder when the latest lets go first', () => {
    const env: Record<string, string | undefined> = {};
    const ledger = new EnvLedger(env);
    const first = ledger.apply({ TOKEN: 'a' });
    const second = ledger.apply({ TOKEN: 'b' });
    second();
    expect(env).toEqual({ TOKEN: 'a' });
    first();
    first();
    expect(env).toEqual({});
  });

  test('applies to the env as it is now, and restores on the object it set', () => {
    const first: Record<string, string | undefined> = { KEPT: 'before' };
    let current = first;
    const ledger = new EnvLedger(() => current);
    ledger.apply({ TOKEN: 'CANARY_1' })();
    const copy = { ...first }; // process.env = { ...saved } in afterEach
    current = copy;
    const release = ledger.apply({ TOKEN: 'CANARY_2' });
    expect(copy).toEqual({ KEPT: 'before', TOKEN: 'CANARY_2' });
    current = { ...copy };
    release();
    expect(copy).toEqual({ KEPT: 'before' });
    expect(first).toEqual({ KEPT: 'before' });
  });
});
