import { basename, isAbsolute, join } from 'node:path';
import { ENV_KEEP_FILES, SCRATCH_NAME_PATTERN } from './constants.js';
import { materialiseError } from './materialise-error.js';
import { mkdirPrivateSync, safeLstat } from './safe-fs.js';
import { ScratchTaskDir, sanitiseTaskId, type TaskDir } from './task-dir.js';

/** @public Options of {@link openTaskDir}. */
export interface OpenTaskDirOptions {
  /**
   * Keep the files when the task dir is wiped, for debugging.
   * @default true when `CREDENTIAL_BROKER_KEEP_FILES=1` in `env`, else false
   */
  readonly keep?: boolean;
  /** Environment to read `CREDENTIAL_BROKER_KEEP_FILES` from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * @public Creates a task directory inside an existing scratch root known only by its path — in a worker
 * process, from the session handle. The root must be a real directory (not a link) named
 * `credential-broker-<pid>-<hex>`, owned by us and closed to group and others; anything else is refused.
 */
export function openTaskDir(rootPath: string, taskId: string, options: OpenTaskDirOptions = {}): TaskDir {
  const problem = scratchRootProblem(rootPath);
  if (problem !== undefined) {
    throw materialiseError(
      'open task directory',
      `${rootPath} is not a scratch root: ${problem}`,
      'Pass the path of a scratch root created by createScratchRoot in this run'
    );
  }
  const keep = options.keep ?? (options.env ?? process.env)[ENV_KEEP_FILES] === '1';
  return makeTaskDir(rootPath, taskId, keep, () => {});
}

/** @internal Creates the 0700 directory of one task under `rootPath`. */
export function makeTaskDir(
  rootPath: string,
  taskId: string,
  keep: boolean,
  onWiped: (task: ScratchTaskDir) => void
): ScratchTaskDir {
  const path = join(rootPath, `${sanitiseTaskId(taskId)}-${randomSuffix()}`);
  mkdirPrivateSync(path);
  return new ScratchTaskDir(taskId, path, keep, onWiped);
}

/** @internal Why `rootPath` is not a scratch root of ours (a real 0700 directory, our uid, its name), or undefined. */
export function scratchRootProblem(rootPath: string): string | undefined {
  if (!isAbsolute(rootPath)) {
    return 'the path is not absolute';
  }
  if (!SCRATCH_NAME_PATTERN.test(basename(rootPath))) {
    return 'its name does not match credential-broker-<pid>-<hex>';
  }
  const stat = safeLstat(rootPath);
  if (stat === undefined) {
    return 'it does not exist (already wiped?)';
  }
  if (!stat.isDirectory()) {
    return stat.isSymbolicLink() ? 'it is a symbolic link' : 'it is not a directory';
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    return `it is owned by uid ${stat.uid}, not by us (uid ${uid})`;
  }
  if ((stat.mode & 0o077) !== 0) {
    return `its mode is ${(stat.mode & 0o777).toString(8).padStart(4, '0')}, not 0700`;
  }
  return undefined;
}

// Uniqueness, not secrecy: the task id is already unique per worker and call, the directory is created inside the
// run's private 0700 scratch root, and creating it fails rather than reuse what exists. Loading node:crypto for this
// would cost every test file's fresh worker ~6 ms.
function randomSuffix(): string {
  return Math.floor(Math.random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
}
