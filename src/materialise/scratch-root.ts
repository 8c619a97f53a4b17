import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Logger } from '../contract/backend.js';
import { explicitScratchBase, pickScratchBase, type ScratchBase } from './base-dir.js';
import { installCleanupHandlers } from './cleanup-handlers.js';
import { ENV_KEEP_FILES, OWNER_RECORD_NAME, SCRATCH_DIR_PREFIX } from './constants.js';
import { materialiseError } from './materialise-error.js';
import { makeTaskDir } from './open-task-dir.js';
import { currentOwnerRecord } from './owner-record.js';
import { mkdirPrivateSync, wipeTreeSync, writeExclusiveFileSync } from './safe-fs.js';
import type { ScratchTaskDir, TaskDir } from './task-dir.js';

/** @public Options of {@link createScratchRoot}. */
export interface ScratchRootOptions {
  /**
   * The project directory (resolved through symbolic links). A base directory inside it is refused: scratch
   * files hold plaintext secrets and must never land in the repository.
   * @default process.cwd()
   */
  readonly projectDir?: string;
  /**
   * Environment to read `XDG_RUNTIME_DIR`, `TMPDIR` and `CREDENTIAL_BROKER_KEEP_FILES` from.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Keep every file after the run, for debugging; announced with a warning. Wipes become no-ops.
   * @default true when `CREDENTIAL_BROKER_KEEP_FILES=1` in `env`, else false
   */
  readonly keep?: boolean;
  /**
   * Use this base directory instead of choosing one (`$XDG_RUNTIME_DIR`, `/dev/shm`, then the OS temp dir).
   * It must exist and not be writable by others unless sticky. Example: `'/run/user/1000'`.
   * @default undefined (chosen automatically)
   */
  readonly baseDir?: string;
  /**
   * Wipe this root on process `exit` and on SIGINT/SIGTERM/SIGHUP (see {@link installCleanupHandlers}).
   * @default true
   */
  readonly installHandlers?: boolean;
  /** Where the keep warning goes. @default process.emitWarning */
  readonly log?: Logger;
}

/**
 * @public The per-run scratch directory (0700), named `credential-broker-<pid>-<random hex>`. Holds one
 * directory per task and a small owner record for {@link sweep}. Dispose it or call {@link ScratchRoot.wipe}
 * when the run ends; the cleanup handlers wipe it if the process ends first.
 */
export interface ScratchRoot extends Disposable, AsyncDisposable {
  /** Absolute path of the root. */
  readonly path: string;
  /** The base directory it lives in, and where that choice came from. */
  readonly base: ScratchBase;
  /** True when files are kept for debugging and wipes do nothing. */
  readonly keep: boolean;
  /** True once the root and everything in it are gone. */
  readonly wiped: boolean;
  /** Creates a 0700 directory for one task, named from a sanitised `taskId` plus a random suffix. */
  createTask(taskId: string): TaskDir;
  /** Wipes every task directory and the root. Idempotent. */
  wipe(): Promise<void>;
  /** {@link ScratchRoot.wipe}, synchronously, for exit handlers. */
  wipeSync(): void;
}

/**
 * @public Creates the per-run scratch root under `$XDG_RUNTIME_DIR` when usable (exists, ours, not writable by
 * others), else `/dev/shm` when usable, else the OS temp dir. Throws `MATERIALISE_FAILED` when no base is
 * usable or the chosen one lies inside the project directory.
 */
export function createScratchRoot(options: ScratchRootOptions = {}): ScratchRoot {
  const env = options.env ?? process.env;
  const base = options.baseDir === undefined ? pickScratchBase(env) : explicitScratchBase(options.baseDir);
  const projectDir = realOrResolved(options.projectDir ?? process.cwd());
  if (isSameOrInside(base.path, projectDir)) {
    throw materialiseError(
      'create scratch root',
      `base directory ${base.path} (from ${base.source}) is inside the project directory ${projectDir}; scratch files hold plaintext secrets and must never be written into the project`,
      /^(XDG_RUNTIME_DIR|TMPDIR|TMP|TEMP)$/.test(base.source)
        ? `Point ${base.source} outside the project directory, or unset it`
        : 'Choose a base directory outside the project directory'
    );
  }
  const path = join(base.path, `${SCRATCH_DIR_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  mkdirPrivateSync(path);
  try {
    writeExclusiveFileSync(join(path, OWNER_RECORD_NAME), Buffer.from(JSON.stringify(currentOwnerRecord())));
  } catch (error) {
    wipeTreeSync(path);
    throw error;
  }
  const keep = options.keep ?? env[ENV_KEEP_FILES] === '1';
  const root = new PrivateScratchRoot(path, base, keep);
  if (keep) {
    const message = `credential-broker: keeping scratch files in ${path} (${ENV_KEEP_FILES}=1 or keep: true). They hold plaintext secrets: delete the directory when done; a sweep removes it once this process has exited.`;
    if (options.log === undefined) {
      process.emitWarning(message, { code: ENV_KEEP_FILES });
    } else {
      options.log.warn(message);
    }
  } else if (options.installHandlers !== false) {
    root.uninstall = installCleanupHandlers(() => root.wipeSync());
  }
  return root;
}

class PrivateScratchRoot implements ScratchRoot {
  readonly path: string;
  readonly base: ScratchBase;
  readonly keep: boolean;
  uninstall: () => void = () => {};
  readonly #tasks = new Set<ScratchTaskDir>();
  #wiped = false;

  constructor(path: string, base: ScratchBase, keep: boolean) {
    this.path = path;
    this.base = base;
    this.keep = keep;
  }

  get wiped(): boolean {
    return this.#wiped;
  }

  createTask(taskId: string): TaskDir {
    if (this.#wiped) {
      throw materialiseError(
        'create task directory',
        `scratch root ${this.path} was already wiped`,
        'Create a new scratch root for a new run'
      );
    }
    const task = makeTaskDir(this.path, taskId, this.keep, (done) => this.#tasks.delete(done));
    this.#tasks.add(task);
    return task;
  }

  wipeSync(): void {
    if (this.keep || this.#wiped) {
      return;
    }
    wipeTreeSync(this.path);
    this.#wiped = true;
    for (const task of [...this.#tasks]) {
      task.markWiped();
    }
    this.uninstall();
  }

  // Synchronous underneath, like TaskDir.wipe: it cannot interleave with a signal handler's wipe.
  async wipe(): Promise<void> {
    this.wipeSync();
  }

  [Symbol.dispose](): void {
    this.wipeSync();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.wipe();
  }
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(resolve(path));
  } catch {
    return resolve(path);
  }
}

function isSameOrInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
