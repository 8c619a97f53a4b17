import { type Dirent, lstatSync, readdirSync } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';
import { DEFAULT_SKIPPED_DIRS, type PathsAtStart } from './changed-files.js';

/**
 * Which paths existed when the run began: the names in every directory under the project (and the runner's output
 * roots), listed once at the start. The end-of-run scan redacts in place only a file whose *path* was absent then: a
 * birth time after the start is not enough, because a user's file replaced during the run (write to a temporary file
 * then rename, `sed -i`, an editor's safe save, `git checkout`) is a new inode at an old path, and its content is the
 * user's. One `readdir` per directory and no `stat` (the end walk `lstat`s every file anyway): on this repository
 * (about 200 directories and 870 files outside node_modules and .git) it takes 6–12 ms, the end walk 50–130 ms.
 */
export class StartListing implements PathsAtStart {
  // Listed directories → the names they held. Only the shape of the tree, never content.
  readonly #dirs = new Map<string, ReadonlySet<string>>();
  // Roots that did not exist: everything under them is new.
  readonly #absent = new Set<string>();
  // Roots that were files (a report file outside the project).
  readonly #files = new Set<string>();
  #elapsedMs = 0;

  /**
   * Lists each root now: a directory recursively (not into {@link DEFAULT_SKIPPED_DIRS}, not through symbolic links,
   * as the end walk), a file as present, a missing root as absent. A root inside one listed already is not listed
   * again.
   */
  add(roots: Iterable<string>, skipDirs: readonly string[] = DEFAULT_SKIPPED_DIRS): this {
    const began = performance.now();
    const skip = new Set(skipDirs);
    const sorted = [...new Set([...roots].map((r) => resolve(r)))].sort((a, b) => a.length - b.length);
    for (const root of sorted) {
      if (this.existed(root) !== undefined) {
        continue; // Under a root listed already (or a root itself): what it held is known.
      }
      let isDir: boolean;
      try {
        const stats = lstatSync(root);
        isDir = stats.isDirectory();
        if (!isDir) {
          this.#files.add(root);
          continue;
        }
      } catch {
        this.#absent.add(root);
        continue;
      }
      this.#walk(root, skip);
    }
    this.#elapsedMs += performance.now() - began;
    return this;
  }

  /** Directories listed, and the time the listing took: what the start costs. */
  get figures(): { readonly directories: number; readonly elapsedMs: number } {
    return { directories: this.#dirs.size, elapsedMs: this.#elapsedMs };
  }

  /**
   * Whether `path` existed at the start: `false` when a listed directory on its way lacked the next name (or a root
   * was absent), `true` when its own directory listed it, `undefined` when the listing does not say (outside every
   * root, or under a directory not descended into). Only `false` lets the scan rewrite the file.
   */
  existed(path: string): boolean | undefined {
    const absolute = resolve(path);
    if (this.#files.has(absolute) || this.#dirs.has(absolute)) {
      return true;
    }
    let child = absolute;
    for (;;) {
      if (this.#absent.has(child)) {
        return false;
      }
      const dir = dirname(child);
      const names = this.#dirs.get(dir);
      if (names !== undefined) {
        if (!names.has(basename(child))) {
          return false;
        }
        // Its own directory listed it: it existed. An ancestor listed but not descended into: unknown.
        return child === absolute ? true : undefined;
      }
      if (dir === child) {
        return undefined; // Past the file system's root: outside every listed root.
      }
      child = dir;
    }
  }

  #walk(root: string, skip: ReadonlySet<string>): void {
    const pending = [root];
    for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue; // Unreadable: the end walk cannot read it either.
      }
      this.#dirs.set(dir, new Set(entries.map((e) => e.name)));
      for (const entry of entries) {
        if (entry.isDirectory() && !skip.has(entry.name)) {
          pending.push(`${dir}${dir.endsWith(sep) ? '' : sep}${entry.name}`);
        }
      }
    }
  }
}
