/**
 * Applies the env vars of several leases to one sandbox `process.env`. Concurrent tests (`test.concurrent`) share
 * that object, so a plain apply/restore pair would let the first test to finish take a variable away from one
 * still running. The ledger keeps, per name, who holds it: the variable keeps the latest holder's value while any
 * holder remains, and gets its original back (or disappears) when the last one lets go.
 */

import type { ReleasedEnv } from '../src/materialise/released-env.js';

type Env = Record<string, string | undefined>;
type Holder = { readonly id: number; readonly value: string };
/** One name while held: the object it was set on first (restored there), what that object had, and the holders. */
type Entry = {
  readonly target: Env;
  readonly hadOriginal: boolean;
  readonly original: string | undefined;
  holders: Holder[];
};

/** @internal */
export class EnvLedger {
  readonly #target: () => Env;
  readonly #entries = new Map<string, Entry>();
  readonly #released: ReleasedEnv | undefined;
  #nextId = 0;

  /**
   * @param target the env, or how to read it now: a test may assign the sandbox's `process.env` a new object (a copy
   *   put back in `afterEach`), and the next test's values belong on the object it will read.
   * @param released told of every apply and release, so a value a test's own env restore puts back is removed.
   */
  constructor(target: Env | (() => Env), released?: ReleasedEnv) {
    this.#target = typeof target === 'function' ? target : () => target;
    this.#released = released;
  }

  /** Sets `vars` and returns an idempotent function that takes them back. */
  apply(vars: Readonly<Record<string, string>>): () => void {
    const id = this.#nextId++;
    const names = Object.keys(vars);
    const target = this.#target();
    const watched = this.#released?.set(target, vars);
    for (const name of names) {
      const value = vars[name] as string;
      let entry = this.#entries.get(name);
      if (entry === undefined) {
        const hadOriginal = Object.hasOwn(target, name);
        entry = { target, hadOriginal, original: hadOriginal ? target[name] : undefined, holders: [] };
        this.#entries.set(name, entry);
      }
      entry.holders.push({ id, value });
      target[name] = value;
    }
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      try {
        for (const name of names) {
          this.#drop(name, id);
        }
      } finally {
        watched?.();
      }
    };
  }

  /** Names currently held, with the value in force. */
  current(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, entry] of this.#entries) {
      const last = entry.holders.at(-1);
      if (last !== undefined) {
        out[name] = last.value;
      }
    }
    return out;
  }

  #drop(name: string, id: number): void {
    const entry = this.#entries.get(name);
    if (entry === undefined) {
      return;
    }
    entry.holders = entry.holders.filter((h) => h.id !== id);
    const last = entry.holders.at(-1);
    if (last !== undefined) {
      entry.target[name] = last.value;
      return;
    }
    this.#entries.delete(name);
    if (entry.hadOriginal) {
      entry.target[name] = entry.original;
    } else {
      // Deleting, not assigning undefined: a real env would store the string "undefined".
      delete entry.target[name];
    }
  }
}
