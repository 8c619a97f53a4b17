import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { applyEnv, ReleasedEnv } from '../../../src/materialise/index.js';

type Env = Record<string, string | undefined>;

const VALUE = 'CANARY_released_9d2e';

/** A lease's apply and release through the watch, the way the worker and Jest's ledger call it. */
function lease(watch: ReleasedEnv, env: Env, vars: Record<string, string>): () => void {
  const watched = watch.set(env, vars);
  const applied = applyEnv(env, vars);
  return () => {
    applied.restore();
    watched();
  };
}

describe(ReleasedEnv.name, () => {
  test('removes a released value the runner puts back on the same object (unstubEnvs, restoreMocks)', () => {
    const env: Env = { OWN: 'mine' };
    const watch = new ReleasedEnv(() => env);
    const release = lease(watch, env, { API_TOKEN: VALUE });
    release();
    env['API_TOKEN'] = VALUE; // vi.unstubAllEnvs: the value saved at the first stubEnv
    watch.check();
    expect(env).toEqual({ OWN: 'mine' });
    expect(Object.hasOwn(env, 'API_TOKEN')).toBe(false);
  });

  test('removes it from the object process.env is now (a copy assigned back), and restores a by-hand original', () => {
    const first: Env = { API_TOKEN: 'by hand', OWN: 'mine' };
    let current = first;
    const watch = new ReleasedEnv(() => current);
    const release = lease(watch, first, { API_TOKEN: VALUE, API_TOKEN_FILE: '/scratch/t/API_TOKEN' });
    const saved = { ...first, OWN: 'changed in the test' }; // beforeEach copy, then the test's own change
    release();
    current = saved; // afterEach(() => { process.env = saved })
    watch.check();
    expect(first).toEqual({ API_TOKEN: 'by hand', OWN: 'mine' });
    expect(saved).toEqual({ API_TOKEN: 'by hand', OWN: 'changed in the test' });
  });

  test('checks again after the current turn, past the runner’s own restore step', async () => {
    const env: Env = {};
    const watch = new ReleasedEnv(() => env);
    lease(watch, env, { API_TOKEN: VALUE })();
    env['API_TOKEN'] = VALUE; // later in the same turn: a user's onTestFinished run after the broker's (hooks 'list')
    expect(env['API_TOKEN']).toBe(VALUE);
    await nextTurn();
    expect(Object.hasOwn(env, 'API_TOKEN')).toBe(false);
  });

  test('leaves a name a lease holds again, other values, and names the broker never set', () => {
    const env: Env = {};
    const watch = new ReleasedEnv(() => env);
    lease(watch, env, { API_TOKEN: VALUE })();
    const again = lease(watch, env, { API_TOKEN: VALUE });
    env['OTHER'] = VALUE; // not a name the broker set: never read
    watch.check();
    expect(env).toEqual({ API_TOKEN: VALUE, OTHER: VALUE });
    again();
    env['API_TOKEN'] = 'a stub of the user’s own';
    watch.check();
    expect(env).toEqual({ API_TOKEN: 'a stub of the user’s own', OTHER: VALUE });
  });

  test('never takes a value it set for what was there before (concurrent holders, a leftover value)', () => {
    const env: Env = {};
    const watch = new ReleasedEnv(() => env);
    const first = watch.set(env, { API_TOKEN: VALUE });
    env['API_TOKEN'] = VALUE;
    const second = watch.set(env, { API_TOKEN: 'CANARY_second_77aa' });
    env['API_TOKEN'] = 'CANARY_second_77aa';
    first();
    second(); // it found the first holder's value: no original
    env['API_TOKEN'] = VALUE;
    watch.check();
    expect(Object.hasOwn(env, 'API_TOKEN')).toBe(false);
    // A value left behind is put back before a new lease reads what it replaces.
    env['API_TOKEN'] = VALUE;
    lease(watch, env, { API_TOKEN: VALUE })();
    expect(Object.hasOwn(env, 'API_TOKEN')).toBe(false);
  });

  test('reads nothing when nothing was released, and forgets names found clean when the file ends', () => {
    let reads = 0;
    const env: Env = {};
    const watch = new ReleasedEnv(() => {
      reads += 1;
      return env;
    });
    watch.check();
    watch.settle();
    expect(reads).toBe(0);
    lease(watch, env, { API_TOKEN: VALUE })();
    watch.settle();
    const after = reads;
    env['API_TOKEN'] = VALUE; // after the file: not this file's watch any more
    watch.check();
    expect(reads).toBe(after);
    expect(env['API_TOKEN']).toBe(VALUE);
  });
});
