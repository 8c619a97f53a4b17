import { type Dirent, lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/**
 * Directory names never descended into: dependencies and version-control stores are large, written by tools, not by
 * tests, and would make the walk cost the size of the tree. Build and report directories (dist, coverage, logs) are
 * NOT here even though they are usually git-ignored: they are exactly where a leaked value ends up.
 */
export const DEFAULT_SKIPPED_DIRS: readonly string[] = ['node_modules', '.git', '.hg', '.svn', '.yarn', '.pnpm-store'];

/**
 * File timestamps come from the kernel's coarse clock, which may lag `Date.now()` by a tick (up to 10 ms at HZ=100):
 * a file written just after the run began could carry a time just before it. Looking that far back costs nothing.
 */
export const CLOCK_SLACK_MS = 20;

/** A regular file written or changed since the run began. */
export interface ChangedFile {
  readonly path: string;
  readonly size: number;
  /**
   * The file is the run's: born after the start at a path that did not exist then ({@link PathsAtStart}), or one of
   * the runner's own report files. Redacted in place; any other file is only reported.
   */
  readonly created: boolean;
}

/**
 * An entry of any kind (file, directory, symbolic link) created, renamed or changed since the run began: its name can
 * hold a value (a cache keyed by a token), and a link's target too. Never followed, never modified.
 */
export interface ChangedName {
  readonly path: string;
  /** The path below the walked root that holds it: what is matched, so a value split by `/` is found too. */
  readonly relative: string;
  /** A symbolic link's target, as `readlink` gives it. */
  readonly target?: string;
}

/** What the walk asks of a listing taken at the start ({@link StartListing} in start-listing.ts). */
export interface PathsAtStart {
  /** `true` existed, `false` did not, `undefined` the listing does not say. */
  existed(path: string): boolean | undefined;
}

export interface ChangedFilesOptions {
  /** Directory names skipped wherever they occur (replaces {@link DEFAULT_SKIPPED_DIRS}). */
  readonly skipDirs?: readonly string[];
  /** Absolute paths never reported nor descended into (the broker's own scratch root). */
  readonly exclude?: readonly string[];
  /**
   * The paths that existed at the start. With it, a file born during the run is created only when its path was
   * absent then (a user's file replaced by rename during the run stays the user's); where the listing does not say,
   * the file counts as the user's. Without it, the birth time alone decides.
   */
  readonly listing?: PathsAtStart;
  /**
   * The runner's own report files (`--outputFile`, a reporter's output file): the run's, whatever existed before
   * and whenever the runner opened them — they hold nothing of the user's.
   */
  readonly outputs?: readonly string[];
  /**
   * A file born after this (ms since the epoch) may be the run's; `startMs` when not given. A walk for what the runner
   * wrote after an earlier walk selects by that walk's time and decides by the run's start.
   */
  readonly bornAfter?: number;
}

export interface ChangedFiles {
  readonly files: readonly ChangedFile[];
  /** Every entry (of any kind) changed since the start, for its name: files, directories, symbolic links. */
  readonly names: readonly ChangedName[];
  /** Entries stat'ed by the walk, and how long it took. */
  readonly visited: number;
  readonly elapsedMs: number;
}

/**
 * Every regular file under `roots` whose mtime or ctime is at or after `startMs`, and every entry of any kind so
 * changed (for its name): one `readdir` and one `lstat` per directory, one `lstat` per other entry, no content read.
 * Symbolic links are not followed (a link to a file outside the roots is not the run's output); a root that does not
 * exist is skipped; a file under two roots is listed once.
 */
export function changedFilesSince(
  startMs: number,
  roots: readonly string[],
  options: ChangedFilesOptions = {}
): ChangedFiles {
  const began = performance.now();
  const since = startMs - CLOCK_SLACK_MS;
  const skip = new Set(options.skipDirs ?? DEFAULT_SKIPPED_DIRS);
  const exclude = (options.exclude ?? []).map((p) => resolve(p));
  const excluded = (path: string) => exclude.some((e) => path === e || path.startsWith(e + sep));
  const outputs = new Set((options.outputs ?? []).map((p) => resolve(p)));
  const { listing } = options;
  const bornAfter = options.bornAfter ?? startMs;
  const seen = new Set<string>();
  const files: ChangedFile[] = [];
  const names: ChangedName[] = [];
  const named = new Set<string>();
  let visited = 0;

  // A directory's times also move when an entry is added to it, so an old directory can be listed: its name is then
  // matched once more, which costs a lookup and finds only what is there.
  const considerName = (root: string, path: string, stats: Stats | undefined): void => {
    if (stats === undefined || named.has(path) || Math.max(stats.mtimeMs, stats.ctimeMs) < since) {
      return;
    }
    named.add(path);
    const target = stats.isSymbolicLink() ? readlinkOrUndefined(path) : undefined;
    names.push({ path, relative: relative(root, path), ...(target === undefined ? {} : { target }) });
  };

  const consider = (path: string, stats: Stats): void => {
    if (seen.has(path) || Math.max(stats.mtimeMs, stats.ctimeMs) < since) {
      return;
    }
    seen.add(path);
    files.push({ path, size: stats.size, created: outputs.has(path) || createdSince(path, stats) });
  };
  // Both the inode and the path must be new. Born in a millisecond after the start's, without the slack: a file
  // written just before the run (a secret file the run reads) is the user's, and must never be rewritten.
  // `Date.now()` drops the fraction a birth time keeps, so a file born within the start's own millisecond (1000.4
  // against a start of 1000) may predate it. A zero birth time means the file system does not record it: the file
  // counts as the user's too (reported, never edited). And a new inode at a path that existed at the start is a
  // user's file replaced by rename (write-file-atomic, `sed -i`, an editor's safe save, `git checkout`): the user's.
  // A user's file the run moved to a new path keeps its birth time: the user's as well.
  const createdSince = (path: string, stats: Stats): boolean =>
    stats.birthtimeMs > 0 &&
    Math.floor(stats.birthtimeMs) > bornAfter &&
    (listing === undefined || listing.existed(path) === false);

  const walk = (root: string, dir: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // Removed during the walk, or unreadable: nothing the run could have left there for us to read.
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (excluded(path)) {
        continue;
      }
      if (entry.isDirectory()) {
        if (!skip.has(entry.name)) {
          considerName(root, path, statOrUndefined(path));
          walk(root, path);
        }
      } else if (entry.isFile()) {
        visited++;
        const stats = statOrUndefined(path);
        considerName(root, path, stats);
        if (stats?.isFile()) {
          consider(path, stats);
        }
      } else {
        // A symbolic link (never followed), a socket or a FIFO: only its name, and a link's target, can hold a value.
        considerName(root, path, statOrUndefined(path));
      }
    }
  };

  for (const root of roots) {
    const absolute = resolve(root);
    if (excluded(absolute)) {
      continue;
    }
    const stats = statOrUndefined(absolute);
    if (stats?.isDirectory()) {
      walk(absolute, absolute);
    } else if (stats?.isFile()) {
      visited++;
      consider(absolute, stats);
    }
  }
  return { files, names, visited, elapsedMs: performance.now() - began };
}

function readlinkOrUndefined(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
