import { materialiseError } from './materialise-error.js';

/** @public An environment to write to: `process.env`, or a sandbox such as Jest's `this.global.process.env`. */
export type EnvTarget = NodeJS.ProcessEnv | Record<string, string | undefined>;

/** @public Undoes one {@link applyEnv}. */
export interface EnvRestore extends Disposable {
  /** The names that were set, in order. */
  readonly names: readonly string[];
  /**
   * Puts back exactly what was there before: the previous value, or no variable at all. Idempotent. Restores
   * must happen in reverse order of the applies when they overlap (last applied, first restored).
   */
  restore(): void;
}

type Previous = { readonly name: string; readonly value: string | undefined };

// Names that would not survive the round trip through a real environment block.
const INVALID_NAME = /[=\0]|^$/;

/**
 * @public Sets each variable of `vars` on `target` and records what it replaces. Names must be non-empty and
 * free of `=` and NUL; values free of NUL. On a failure nothing stays applied.
 *
 * "Was unset" is restored by deleting the name: assigning `undefined` to `process.env` would store the string
 * `"undefined"`. (An own property holding `undefined` in a plain object is restored as absent, for the same
 * reason.)
 */
export function applyEnv(target: EnvTarget, vars: Readonly<Record<string, string>>): EnvRestore {
  const previous: Previous[] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (INVALID_NAME.test(name)) {
      throw materialiseError(
        'apply env',
        `invalid environment variable name ${JSON.stringify(name)}`,
        'Use a non-empty name without "=" or NUL'
      );
    }
    if (typeof value !== 'string' || value.includes('\0')) {
      // Describe the value by its shape only: it is a secret.
      throw materialiseError(
        'apply env',
        `value for ${name} is not a string without NUL bytes`,
        'Environment values cannot carry NUL bytes; deliver this credential as a file instead'
      );
    }
    previous.push({ name, value: Object.hasOwn(target, name) ? target[name] : undefined });
  }
  let restored = false;
  const restore = (): void => {
    if (restored) {
      return;
    }
    restored = true;
    for (const { name, value } of [...previous].reverse()) {
      if (value === undefined) {
        delete target[name];
      } else {
        target[name] = value;
      }
    }
  };
  try {
    for (const [name, value] of Object.entries(vars)) {
      target[name] = value;
    }
  } catch (error) {
    restore();
    throw materialiseError('apply env', 'the target environment rejected a variable', undefined, error);
  }
  return { names: previous.map((entry) => entry.name), restore, [Symbol.dispose]: restore };
}
