import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute } from 'node:path';
import { ENV_XDG_RUNTIME_DIR } from './constants.js';
import { materialiseError } from './materialise-error.js';

/** @public A directory that may hold scratch roots, and where its path came from (for messages). */
export interface ScratchBase {
  /** Absolute path, resolved through symbolic links once checked. */
  readonly path: string;
  /** `XDG_RUNTIME_DIR`, `/dev/shm`, `TMPDIR`, `TMP`, `TEMP`, `os.tmpdir()` or `baseDir option`. */
  readonly source: string;
}

interface Candidate extends ScratchBase {
  // XDG_RUNTIME_DIR is meant to be private to the user; a shared one is misconfigured, not a fallback.
  readonly mustBePrivate: boolean;
}

/**
 * @internal The base directories in order of preference: `$XDG_RUNTIME_DIR` (a per-user tmpfs), `/dev/shm`
 * (tmpfs), then the OS temp dir as `os.tmpdir()` computes it from `env`. Unchecked.
 */
export function scratchBaseCandidates(env: Readonly<Record<string, string | undefined>>): readonly Candidate[] {
  const candidates: Candidate[] = [];
  const runtimeDir = env[ENV_XDG_RUNTIME_DIR];
  if (runtimeDir !== undefined && isAbsolute(runtimeDir)) {
    candidates.push({ path: runtimeDir, source: ENV_XDG_RUNTIME_DIR, mustBePrivate: true });
  }
  candidates.push({ path: '/dev/shm', source: '/dev/shm', mustBePrivate: false });
  candidates.push({ ...osTempDir(env), mustBePrivate: false });
  return candidates;
}

// Mirrors os.tmpdir() on POSIX, but reads the given env so callers (and tests) need not mutate process.env.
function osTempDir(env: Readonly<Record<string, string | undefined>>): ScratchBase {
  if (process.platform === 'win32') {
    return { path: tmpdir(), source: 'os.tmpdir()' };
  }
  for (const name of ['TMPDIR', 'TMP', 'TEMP']) {
    const value = env[name];
    if (value !== undefined && value !== '') {
      return { path: value.length > 1 && value.endsWith('/') ? value.slice(0, -1) : value, source: name };
    }
  }
  return { path: '/tmp', source: 'os.tmpdir()' };
}

/**
 * @internal Checks a candidate: an existing directory we can write, owned by us (or root for the shared temp
 * dirs), and not writable by others unless sticky. Returns the real path, or why it is unusable.
 */
export function checkScratchBase(candidate: Candidate): { readonly path: string } | { readonly unusable: string } {
  let path: string;
  try {
    path = realpathSync(candidate.path);
    const stat = statSync(path);
    if (!stat.isDirectory()) {
      return { unusable: 'not a directory' };
    }
    accessSync(path, constants.W_OK | constants.X_OK);
    const uid = process.getuid?.();
    if (uid !== undefined) {
      const othersCanWrite = (stat.mode & 0o022) !== 0;
      if (candidate.mustBePrivate) {
        if (stat.uid !== uid) {
          return { unusable: `owned by uid ${stat.uid}, not by us (uid ${uid})` };
        }
        if (othersCanWrite) {
          return { unusable: 'writable by group or others' };
        }
      } else {
        if (stat.uid !== uid && stat.uid !== 0) {
          return { unusable: `owned by uid ${stat.uid}, neither us (uid ${uid}) nor root` };
        }
        // Without the sticky bit, anyone who can write the base could rename our root away and plant their own.
        if (othersCanWrite && (stat.mode & 0o1000) === 0) {
          return { unusable: 'writable by group or others without the sticky bit' };
        }
      }
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { unusable: typeof code === 'string' ? code : 'not accessible' };
  }
  return { path };
}

/** @internal The first usable candidate, or a MATERIALISE_FAILED error that lists what was tried and why. */
export function pickScratchBase(env: Readonly<Record<string, string | undefined>>): ScratchBase {
  const tried: string[] = [];
  for (const candidate of scratchBaseCandidates(env)) {
    const checked = checkScratchBase(candidate);
    if ('path' in checked) {
      return { path: checked.path, source: candidate.source };
    }
    tried.push(`${candidate.path} (${candidate.source}): ${checked.unusable}`);
  }
  throw materialiseError(
    'create scratch root',
    `no usable base directory; tried ${tried.join('; ')}`,
    'Set XDG_RUNTIME_DIR or TMPDIR to an existing directory that only you can write'
  );
}

/** @internal Checks a base directory given explicitly; throws when it is unusable. */
export function explicitScratchBase(path: string): ScratchBase {
  const candidate: Candidate = { path, source: 'baseDir option', mustBePrivate: false };
  const checked = checkScratchBase(candidate);
  if ('unusable' in checked) {
    throw materialiseError(
      'create scratch root',
      `base directory ${path} is unusable: ${checked.unusable}`,
      'Pass an existing directory that only you can write, or a sticky shared one such as /tmp'
    );
  }
  return { path: checked.path, source: candidate.source };
}

/** @internal Every usable base directory, deduplicated by real path: where `sweep` looks. */
export function usableScratchBases(env: Readonly<Record<string, string | undefined>>): readonly ScratchBase[] {
  const seen = new Set<string>();
  const bases: ScratchBase[] = [];
  for (const candidate of scratchBaseCandidates(env)) {
    const checked = checkScratchBase(candidate);
    if ('path' in checked && !seen.has(checked.path)) {
      seen.add(checked.path);
      bases.push({ path: checked.path, source: candidate.source });
    }
  }
  return bases;
}
