/**
 * What the broker set on an environment and took back, remembered so that it can be taken back again.
 *
 * Releasing a lease restores the names it set, on the object it set them on. A test's own env restore may run after
 * that and put a value back: Vitest's `unstubEnvs` (the value saved at the first `vi.stubEnv` is the credential;
 * restored as the next test starts), Jest's `restoreMocks` (`jest.replaceProperty(process.env, …)`, restored in the
 * next test's first `beforeEach`), or a copy of `process.env` taken in `beforeEach` and assigned back in `afterEach`
 * (the broker restored the object it set, not the copy now in place). Each would hand the value to every later test
 * and child process.
 */
// Node's own, not the global: a test's fake timers replace the global, and would hold the check back.
import { setImmediate } from 'node:timers';
import type { EnvTarget } from './apply-env.js';

/** The values one name was given by the broker, and what it held before the broker first set it. */
type Released = { readonly values: Set<string>; previous: string | undefined };

/**
 * @internal Names the broker set on one environment (`process.env`, or a Jest sandbox's), counted while held and
 * remembered with their values once released. {@link check} puts back what was there before for any released name
 * that again holds one of those values on the environment as it is now (it may be a different object). Only names
 * the broker set are compared: the rest of the environment is never read.
 */
export class ReleasedEnv {
  readonly #current: () => EnvTarget | undefined;
  readonly #holds = new Map<string, number>();
  readonly #released = new Map<string, Released>();
  #deferred = false;

  /** @param current the environment as it is now: `process.env` may be assigned a new object at any time. */
  constructor(current: () => EnvTarget | undefined) {
    this.#current = current;
  }

  /**
   * Call just before the broker sets `vars` on `target`: puts back any value released earlier first (so that it is
   * not taken for what was there before), then notes what each name holds and that it is held. Returns what to call
   * once the broker has restored them (idempotent): the values are remembered, and checked again in the next turn.
   */
  set(target: EnvTarget, vars: Readonly<Record<string, string>>): () => void {
    this.check();
    const before = Object.keys(vars).map((name) => ({
      name,
      value: vars[name] as string,
      previous: Object.hasOwn(target, name) ? target[name] : undefined,
    }));
    for (const { name } of before) {
      this.#holds.set(name, (this.#holds.get(name) ?? 0) + 1);
    }
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      for (const { name, value, previous } of before) {
        this.#unhold(name);
        this.#remember(name, value, previous);
      }
      this.#defer();
    };
  }

  /**
   * For each released name no lease holds: when the environment now gives it a value the broker set, puts back what
   * was there before (deletes it if it was unset). Returns at once when nothing was ever released.
   */
  check(): void {
    if (this.#released.size === 0) {
      return;
    }
    const env = this.#current();
    if (env === null || typeof env !== 'object') {
      return;
    }
    for (const [name, { values, previous }] of this.#released) {
      const now = this.#holds.has(name) ? undefined : env[name];
      if (now !== undefined && values.has(now)) {
        restore(env, name, previous);
      }
    }
  }

  /**
   * {@link check}, then forgets the released names (found clean now): for an environment that ends with its test
   * file (Jest's sandbox env).
   */
  settle(): void {
    this.check();
    for (const name of [...this.#released.keys()]) {
      if (!this.#holds.has(name)) {
        this.#released.delete(name);
      }
    }
  }

  #unhold(name: string): void {
    const holds = (this.#holds.get(name) ?? 1) - 1;
    if (holds > 0) {
      this.#holds.set(name, holds);
    } else {
      this.#holds.delete(name);
    }
  }

  #remember(name: string, value: string, previous: string | undefined): void {
    const known = this.#released.get(name);
    if (known === undefined) {
      this.#released.set(name, { values: new Set([value]), previous });
      return;
    }
    known.values.add(value);
    // What another holder of the name set (concurrent Jest tests) is no original: the earlier one stays.
    if (previous === undefined || !known.values.has(previous)) {
      known.previous = previous;
    }
  }

  /**
   * After a restore that runs in the same turn as the release, after it (a user's onTestFinished under Vitest's
   * `sequence.hooks: 'list'`). A restore at the next test's start (Vitest's unstubEnvs, Jest's restoreMocks) is
   * caught by the check each runner's adapter makes there.
   */
  #defer(): void {
    if (this.#deferred) {
      return;
    }
    this.#deferred = true;
    setImmediate(() => {
      this.#deferred = false;
      try {
        this.check();
      } catch {
        // An environment that refuses the restore (frozen by a test): the next test's check reports it.
      }
    }).unref();
  }
}

function restore(env: EnvTarget, name: string, previous: string | undefined): void {
  if (previous === undefined) {
    // Deleting, not assigning undefined: a real env would store the string "undefined".
    delete env[name];
  } else {
    env[name] = previous;
  }
}

const PROCESS_ENV = Symbol.for('credential-broker.released-process-env.v1');
type Holder = Record<symbol, ReleasedEnv | undefined>;

/**
 * @internal The watch over this process's `process.env`. On globalThis: a runner loads copies of this module (the
 * Vitest setup file and the worker's runtime are separate bundles), and all must see the same names. Never settled:
 * the env outlives each file in a worker, and a restore may come after its file ended (Vitest unstubs the last test's
 * stubs when the next test starts, in the next file); the values it keeps are in the worker's scrubber anyway.
 */
export function processEnvReleases(): ReleasedEnv {
  const holder = globalThis as unknown as Holder;
  holder[PROCESS_ENV] ??= new ReleasedEnv(() => process.env);
  return holder[PROCESS_ENV];
}

/** @internal {@link ReleasedEnv.check} on `process.env`; nothing when this process never set a variable there. */
export function checkProcessEnv(): void {
  (globalThis as unknown as Holder)[PROCESS_ENV]?.check();
}
