import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Finding } from '../scrub/scrubber.js';
import { changedRanges } from './changed-bytes.js';
import type { ChangedFile, ChangedName } from './changed-files.js';

/**
 * The post-run scan of what a run wrote (docs/security.md, "Files the run writes"): one definition for Vitest, Jest
 * and `credential-broker run`. A file that existed before the run counts only in the bytes the run added or changed
 * (compared with its content captured at the start); a file the run created counts whole. Only forms that cannot
 * occur by accident count ({@link Scrubber.findings}); a finding fails the run, and is redacted in place only in a
 * file the run created — a file the user wrote is never rewritten.
 */

/** @public What the scan needs from the scrubber (a {@link Scrubber}). */
export interface FindingSource {
  findings(bytes: Uint8Array): Finding[];
  /** The redaction label of a credential, written over a finding in a created file. */
  label(name: string): string;
}

/** @public A credential form found in a file the run wrote. Names the credential, never the value. */
export interface FileFinding {
  readonly path: string;
  /** 1-based line of the first byte of the match. */
  readonly line: number;
  readonly name: string;
  /** The file did not exist at the start of the run (it is redacted in place). */
  readonly created: boolean;
  /**
   * Where the value is when not in the content: the entry's name (a file, directory or link; `path` then shows the
   * value replaced by its redaction label, and `line` is 0), or a symbolic link's target. Never renamed nor edited.
   */
  readonly in?: 'name' | 'link target';
}

/**
 * @public Contents of candidate files at the start of a run. Capture the files the runners are known to rewrite
 * (`.snap` files, test files with inline snapshots) before the run; a path captured while absent counts as created.
 */
export class RunBaseline {
  readonly #before = new Map<string, Buffer | undefined>();

  /** Records each path's content now (absent files as absent). A path already captured keeps its first capture. */
  capture(paths: Iterable<string>): this {
    for (const path of paths) {
      if (!this.#before.has(path)) {
        this.#before.set(path, readIfFile(path));
      }
    }
    return this;
  }

  /** Whether `path` was captured; a path never captured is treated as created by the run. */
  has(path: string): boolean {
    return this.#before.has(path);
  }

  /** @internal Content at capture time; `undefined` when it did not exist then. */
  before(path: string): Buffer | undefined {
    return this.#before.get(path);
  }

  /** The captured paths. */
  get paths(): readonly string[] {
    return [...this.#before.keys()];
  }
}

/**
 * @public Scans `candidates` (files the run may have written) for credential forms in what the run wrote, and
 * redacts findings in place in the files the run created. A candidate that is absent now, or unchanged since
 * {@link RunBaseline.capture}, is skipped.
 */
export function scanWrittenFiles(
  baseline: RunBaseline,
  candidates: Iterable<string>,
  source: FindingSource
): FileFinding[] {
  const found: FileFinding[] = [];
  for (const path of new Set(candidates)) {
    const after = readIfFile(path);
    if (after !== undefined) {
      found.push(...scanOne(path, after, baseline.before(path), source));
    }
  }
  return found;
}

/** @public What {@link scanChangedFiles} read and found. */
export interface ChangedFilesScan {
  readonly findings: readonly FileFinding[];
  /** Files read, and their bytes: the scan costs what the run wrote, not the size of the tree. */
  readonly files: number;
  readonly bytes: number;
}

/**
 * @public The end-of-run scan of every file the walk found changed ({@link changedFilesSince}). A file captured in
 * `baseline` counts in the bytes that changed since; any other file counts whole — redacted in place when the run
 * created it, only reported when it existed before (its old content is unknown, and it is the user's).
 */
export function scanChangedFiles(
  files: readonly ChangedFile[],
  source: FindingSource,
  baseline: RunBaseline = new RunBaseline()
): ChangedFilesScan {
  const findings: FileFinding[] = [];
  let count = 0;
  let bytes = 0;
  for (const file of files) {
    const after = readIfFile(file.path);
    if (after === undefined) {
      continue; // Gone or unreadable since the walk.
    }
    count++;
    bytes += after.length;
    const before = baseline.has(file.path) ? baseline.before(file.path) : file.created ? undefined : UNKNOWN;
    findings.push(...scanOne(file.path, after, before, source));
  }
  return { findings, files: count, bytes };
}

/**
 * @public The names of the entries the walk found changed ({@link ChangedName}): each path below its root, and each
 * symbolic link's target, matched like content. A value counts when it ends in the entry's own name (a directory
 * named by a value is reported once, not again for each file in it). Reported only: a name is never changed.
 */
export function scanChangedNames(names: readonly ChangedName[], source: FindingSource): FileFinding[] {
  const found: FileFinding[] = [];
  for (const entry of names) {
    const relative = Buffer.from(entry.relative, 'utf8');
    const own = Buffer.byteLength(entry.relative.slice(0, entry.relative.lastIndexOf(sep) + 1), 'utf8');
    const all = source.findings(relative);
    const shown = redactedPath(entry, all, source);
    for (const hit of all.filter((h) => h.end > own)) {
      found.push({ path: shown, line: 0, name: hit.name, created: false, in: 'name' });
    }
    const target = entry.target === undefined ? [] : source.findings(Buffer.from(entry.target, 'utf8'));
    for (const hit of target) {
      found.push({ path: shown, line: 0, name: hit.name, created: false, in: 'link target' });
    }
  }
  return found;
}

// The entry's path with each value in the part below its root replaced by the label: the path is printed.
function redactedPath(entry: ChangedName, hits: readonly Finding[], source: FindingSource): string {
  if (hits.length === 0) {
    return entry.path;
  }
  const root = entry.path.slice(0, entry.path.length - entry.relative.length);
  return join(root, redact(Buffer.from(entry.relative, 'utf8'), hits, source).toString('utf8'));
}

// A pre-existing file whose old content was not captured: scanned whole, never rewritten.
const UNKNOWN = Symbol('content before the run unknown');

function scanOne(
  path: string,
  after: Buffer,
  before: Buffer | undefined | typeof UNKNOWN,
  source: FindingSource
): FileFinding[] {
  if (Buffer.isBuffer(before) && before.equals(after)) {
    return [];
  }
  const created = before === undefined;
  const ranges = Buffer.isBuffer(before) ? changedRanges(before, after) : [[0, after.length] as const];
  const hits = source
    .findings(after)
    .filter((hit) =>
      ranges.some(([s, e]) => hit.start < e && (hit.end > s || (hit.end === hit.start && hit.start >= s)))
    );
  if (hits.length === 0) {
    return [];
  }
  // The path is printed: a directory named by a value shows its label instead (reported on its own, by name).
  const pathHits = source.findings(Buffer.from(path, 'utf8'));
  const shown = pathHits.length === 0 ? path : redact(Buffer.from(path, 'utf8'), pathHits, source).toString('utf8');
  if (created && !rewrite(path, redact(after, hits, source))) {
    // Made read-only (or removed) by the run: reported like a file of the user's.
    return hits.map((hit) => ({ path: shown, line: lineOf(after, hit.start), name: hit.name, created: false }));
  }
  return hits.map((hit) => ({ path: shown, line: lineOf(after, hit.start), name: hit.name, created }));
}

function rewrite(path: string, content: Uint8Array): boolean {
  try {
    writeFileSync(path, content);
    return true;
  } catch {
    return false;
  }
}

/** @public The error block for findings: file, line and credential of each, and what to do. */
export function renderFindings(findings: readonly FileFinding[], root: string): string {
  const files = new Set(findings.map((f) => f.path)).size;
  const lines = [`credential-broker: ${files} file(s) written by this run hold a credential value; the run fails`];
  for (const f of findings) {
    const where = `${relative(root, f.path) || f.path}:${f.line}`;
    if (f.in !== undefined) {
      lines.push(`  ${relative(root, f.path) || f.path}: ${nameHint(f.in, f.name)}`);
      continue;
    }
    lines.push(
      f.created
        ? `  ${where}: ${f.name} (the file is new: the value was replaced by its redaction label)`
        : `  ${where}: ${f.name} (written into an existing file, which the broker does not rewrite: revert that change)`
    );
  }
  if (findings.some((f) => f.in === undefined)) {
    lines.push('  A snapshot or report printed a credential value; assert on what the code does with it instead.');
  }
  return lines.join('\n');
}

function nameHint(where: 'name' | 'link target', name: string): string {
  return where === 'name'
    ? `a file or directory name holds ${name} (left as is: rename or delete it)`
    : `a symbolic link's target holds ${name} (left as is: delete the link)`;
}

function redact(bytes: Buffer, hits: readonly Finding[], source: FindingSource): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (const hit of [...hits].sort((x, y) => x.start - y.start)) {
    if (hit.start < pos) {
      continue;
    }
    parts.push(bytes.subarray(pos, hit.start), Buffer.from(hit.replacement ?? source.label(hit.name), 'utf8'));
    pos = hit.end;
  }
  parts.push(bytes.subarray(pos));
  return Buffer.concat(parts);
}

function lineOf(bytes: Uint8Array, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos; i++) {
    if (bytes[i] === 0x0a) {
      line++;
    }
  }
  return line;
}

function readIfFile(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}
