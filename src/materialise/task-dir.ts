import { join } from 'node:path';
import { materialiseError } from './materialise-error.js';
import { wipeTreeSync, writeExclusiveFileSync } from './safe-fs.js';

/**
 * @public A private (0700) directory for one task's files. Dispose it (`using` / `await using`) or call
 * {@link TaskDir.wipe} when the task ends.
 */
export interface TaskDir extends Disposable, AsyncDisposable {
  /** The task id as given to {@link ScratchRoot.createTask}. */
  readonly taskId: string;
  /** Absolute path of the directory. */
  readonly path: string;
  /** True once the directory and its files are gone. Stays false when the root keeps its files. */
  readonly wiped: boolean;
  /**
   * Creates `name` as a new 0600 file holding `value` and returns its absolute path. The file is opened with
   * exclusive create and no-follow, mode 0600 from the start: an existing file or a symbolic link planted at
   * the path is an error and is left untouched. `name` is a plain file name (no `/`, `\`, `..` or NUL).
   */
  writeFile(name: string, value: string | Uint8Array): string;
  /** Overwrites each file with zeros, removes them and the directory. Idempotent. */
  wipe(): Promise<void>;
  /** {@link TaskDir.wipe}, synchronously, for exit handlers. */
  wipeSync(): void;
}

/** @internal */
export class ScratchTaskDir implements TaskDir {
  readonly taskId: string;
  readonly path: string;
  readonly #keep: boolean;
  readonly #onWiped: (task: ScratchTaskDir) => void;
  #wiped = false;

  constructor(taskId: string, path: string, keep: boolean, onWiped: (task: ScratchTaskDir) => void) {
    this.taskId = taskId;
    this.path = path;
    this.#keep = keep;
    this.#onWiped = onWiped;
  }

  get wiped(): boolean {
    return this.#wiped;
  }

  writeFile(name: string, value: string | Uint8Array): string {
    assertPlainFileName(name);
    if (this.#wiped) {
      throw materialiseError(
        'write file',
        `task directory ${this.path} was already wiped`,
        'Create a new task directory for each task'
      );
    }
    const path = join(this.path, name);
    if (typeof value !== 'string') {
      writeExclusiveFileSync(path, value);
      return path;
    }
    const bytes = Buffer.from(value, 'utf8');
    try {
      writeExclusiveFileSync(path, bytes);
    } finally {
      // Our copy at least need not linger until garbage collection; the caller's string is beyond reach.
      bytes.fill(0);
    }
    return path;
  }

  wipeSync(): void {
    if (this.#keep || this.#wiped) {
      return;
    }
    wipeTreeSync(this.path);
    this.markWiped();
  }

  // Synchronous underneath: a handful of small files, and a wipe that never yields cannot interleave with the
  // exit handler's wipe of the same tree.
  async wipe(): Promise<void> {
    this.wipeSync();
  }

  /** @internal The root wiped the whole tree. */
  markWiped(): void {
    if (!this.#wiped) {
      this.#wiped = true;
      this.#onWiped(this);
    }
  }

  [Symbol.dispose](): void {
    this.wipeSync();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.wipe();
  }
}

/** @internal Throws unless `name` is a single path segment that cannot escape its directory. */
export function assertPlainFileName(name: string): void {
  const problem =
    typeof name !== 'string' || name === ''
      ? 'it is empty'
      : name.includes('\0')
        ? 'it contains a NUL byte'
        : name.includes('/') || name.includes('\\')
          ? 'it contains a path separator'
          : name === '.' || name.includes('..')
            ? 'it contains "." or ".." path syntax'
            : Buffer.byteLength(name) > 255
              ? 'it is longer than 255 bytes'
              : undefined;
  if (problem !== undefined) {
    throw materialiseError(
      'write file',
      `invalid file name ${JSON.stringify(String(name))}: ${problem}`,
      'Use a plain file name such as KUBECONFIG or db-url.txt'
    );
  }
}

/** @internal A directory-name-safe form of a task id: at most 48 of `[A-Za-z0-9._-]`, never hidden. */
export function sanitiseTaskId(taskId: string): string {
  const safe = taskId
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+/, '')
    .slice(0, 48);
  return safe === '' ? 'task' : safe;
}
