import type { IdentitySearch } from '../codecs/age/index.js';
import { refPath } from './secret-file.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The identity searches of one backend instance. */
export interface IdentitySearches {
  find(env: Env, baseDir: string): IdentitySearch;
  /** Forget every search (the backend's close). */
  clear(): void;
}

/**
 * One identity search per set of inputs per backend instance: every file of a run shares the identities, and a
 * search runs again only when an env var it reads (`keyVars`) or the configured identity paths change.
 * Shared by the `age:` and `sops:` backends, which differ only in where they look.
 */
export function identitySearches(
  keyVars: readonly string[],
  configured: readonly string[] | undefined,
  search: (env: Env, extra: string[]) => IdentitySearch
): IdentitySearches {
  const searches = new Map<string, IdentitySearch>();
  const find = (env: Env, baseDir: string): IdentitySearch => {
    const extra = (configured ?? []).map((p) => refPath(p, baseDir));
    const key = JSON.stringify([keyVars.map((name) => env[name] ?? null), extra]);
    let found = searches.get(key);
    if (found === undefined) {
      found = search(env, extra);
      searches.set(key, found);
    }
    return found;
  };
  return { find, clear: () => searches.clear() };
}
