import { randomBytes } from 'node:crypto';
import { readdirSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { checkScratchBase, type ScratchBase, usableScratchBases } from './base-dir.js';
import { OWNER_RECORD_NAME, SCRATCH_NAME_PATTERN, TOMBSTONE_NAME_PATTERN, TOMBSTONE_PREFIX } from './constants.js';
import { errnoCode } from './materialise-error.js';
import { parseOwnerRecord, pidExists, processStartTicks } from './owner-record.js';
import { readSmallFileSync, safeLstat, wipeTreeSync } from './safe-fs.js';

/** @public Options of {@link sweep}. */
export interface SweepOptions {
  /**
   * The one base directory to scan (the directory that holds `credential-broker-*` roots), instead of every
   * usable default base (`$XDG_RUNTIME_DIR`, `/dev/shm`, the OS temp dir). Example: `'/dev/shm'`.
   * @default undefined (every usable default base)
   */
  readonly root?: string;
  /** Environment to read `XDG_RUNTIME_DIR` and `TMPDIR` from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * @public Why a scratch directory was left in place.
 * - `alive`: its owning process still runs (EPERM from `kill(pid, 0)` counts as running).
 * - `other-host`: its owner record names another host, whose pids mean nothing here.
 * - `not-owned`: owned by another uid.
 * - `not-a-directory`: a symbolic link or other non-directory with a scratch name; never followed.
 * - `unrecognised`: the name carries no usable pid.
 * - `not-a-scratch-root`: a directory with a scratch name that is not one of ours: not private (0700), or without an
 *   owner record naming its pid (a user's `credential-broker-20250101-1200` backup). Never touched.
 * - `remove-failed`: claimed but could not be removed (permissions, I/O).
 */
export type SweepKeptReason =
  | 'alive'
  | 'other-host'
  | 'not-owned'
  | 'not-a-directory'
  | 'unrecognised'
  | 'not-a-scratch-root'
  | 'remove-failed';

/** @public A scratch directory that {@link sweep} left alone. */
export interface SweepKept {
  readonly path: string;
  readonly reason: SweepKeptReason;
}

/**
 * @public What {@link sweep} did. Directories a concurrent sweep claimed first, and the tombstones of sweeps still
 * at work, appear in neither list: they are that sweep's business.
 */
export interface SweepReport {
  /** The base directories scanned. */
  readonly bases: readonly string[];
  /** Scratch roots (and orphaned sweep tombstones) removed, by their original path. */
  readonly removed: readonly string[];
  readonly kept: readonly SweepKept[];
}

/**
 * @public Removes scratch roots whose owning process is gone: its pid no longer exists, or (on Linux) the pid
 * now belongs to a process that started later than the owner. Safe against concurrent sweeps: each stale
 * directory is first renamed to a tombstone unique to this sweep, so exactly one sweeper removes it and the
 * others see ENOENT and move on. Never follows symbolic links; skips directories owned by another uid.
 * Files are overwritten with zeros before they are unlinked, as in a wipe.
 */
export function sweep(options: SweepOptions = {}): SweepReport {
  const bases =
    options.root === undefined ? usableScratchBases(options.env ?? process.env) : explicitBase(options.root);
  const removed: string[] = [];
  const kept: SweepKept[] = [];
  for (const base of bases) {
    let names: string[];
    try {
      names = readdirSync(base.path);
    } catch {
      continue;
    }
    for (const name of names) {
      const outcome = sweepEntry(base.path, name);
      if (outcome === 'removed') {
        removed.push(join(base.path, name));
      } else if (outcome !== undefined) {
        kept.push({ path: join(base.path, name), reason: outcome });
      }
    }
  }
  return { bases: bases.map((base) => base.path), removed, kept };
}

function explicitBase(root: string): readonly ScratchBase[] {
  const checked = checkScratchBase({ path: root, source: 'root option', mustBePrivate: false });
  return 'path' in checked ? [{ path: checked.path, source: 'root option' }] : [];
}

// undefined: not ours to judge (no scratch name, vanished, or claimed by a concurrent sweep).
function sweepEntry(base: string, name: string): 'removed' | SweepKeptReason | undefined {
  const root = SCRATCH_NAME_PATTERN.exec(name);
  const tombstone = root === null ? TOMBSTONE_NAME_PATTERN.exec(name) : null;
  if (root === null && tombstone === null) {
    return undefined;
  }
  const path = join(base, name);
  const stat = safeLstat(path);
  if (stat === undefined) {
    return undefined;
  }
  if (!stat.isDirectory()) {
    return 'not-a-directory';
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    return 'not-owned';
  }
  const pid = Number((root ?? tombstone)?.[1]);
  if (!Number.isSafeInteger(pid) || pid < 1) {
    return 'unrecognised';
  }
  // Every root (and so every tombstone) is made 0700: anything wider was made by someone else.
  if ((stat.mode & 0o777) !== 0o700) {
    return 'not-a-scratch-root';
  }
  if (root !== null) {
    const verdict = ownerVerdict(path, pid);
    if (verdict === 'not-a-scratch-root' && safeLstat(path) === undefined) {
      // Its record was unreadable because a concurrent sweep renamed it away meanwhile: that sweep's business.
      return undefined;
    }
    if (verdict !== 'stale') {
      return verdict;
    }
  } else if (pidExists(pid)) {
    // Threads of one process share a pid, so even our own pid may be a sweep still at work.
    return undefined;
  }
  return claimAndRemove(base, path);
}

function ownerVerdict(path: string, pid: number): 'alive' | 'other-host' | 'not-a-scratch-root' | 'stale' {
  const text = readSmallFileSync(join(path, OWNER_RECORD_NAME), 4096);
  const parsed = text === undefined ? undefined : parseOwnerRecord(text);
  // A root is named for the pid its record holds. Without such a record it is either not ours (a user's directory
  // that only looks like one) or an owner that died between mkdir and writing it, before it held anything: kept.
  if (parsed?.pid !== pid) {
    return 'not-a-scratch-root';
  }
  // Containers sharing a temp dir have their own pid namespaces: a foreign host's pid cannot be checked here.
  if (parsed.hostname !== hostname()) {
    return 'other-host';
  }
  if (!pidExists(pid)) {
    return 'stale';
  }
  if (parsed.startTicks !== undefined) {
    const ticks = processStartTicks(pid);
    if (ticks !== undefined && ticks !== parsed.startTicks) {
      return 'stale';
    }
  }
  return 'alive';
}

function claimAndRemove(base: string, path: string): 'removed' | 'remove-failed' | undefined {
  const tombstone = join(base, `${TOMBSTONE_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    renameSync(path, tombstone);
  } catch (error) {
    // ENOENT: a concurrent sweep renamed it first and owns the removal.
    return errnoCode(error) === 'ENOENT' ? undefined : 'remove-failed';
  }
  try {
    wipeTreeSync(tombstone);
  } catch {
    return 'remove-failed';
  }
  return 'removed';
}
