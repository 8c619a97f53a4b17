import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changedFilesSince } from '../../../src/scan/changed-files.js';

let root: string;
let outside: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cb-changed-'));
  outside = mkdtempSync(join(tmpdir(), 'cb-changed-out-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

// A file as it was before the run: contents and both times in the past (ctime cannot be set, so the start is
// taken after it was written).
function old(path: string, text = 'old\n'): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  const past = new Date(Date.now() - 3_600_000);
  utimesSync(path, past, past);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runBegins(): Promise<number> {
  // Past the coarse-clock slack, so nothing written before counts as written during the run; and the run's files
  // are written well after its start, as a test's are.
  await sleep(60);
  const start = Date.now();
  await sleep(30);
  return start;
}

const rel = (paths: readonly { path: string }[]) => paths.map((f) => relative(root, f.path)).sort();

describe('changedFilesSince', () => {
  it('lists files created or changed since the start, created ones marked, untouched ones not at all', async () => {
    old(join(root, 'src/app.ts'));
    old(join(root, 'notes/todo.txt'));
    const start = await runBegins();
    mkdirSync(join(root, 'logs'));
    writeFileSync(join(root, 'logs/debug.log'), 'new\n');
    writeFileSync(join(root, 'notes/todo.txt'), 'changed\n');
    const { files, visited } = changedFilesSince(start, [root]);
    expect(rel(files)).toEqual(['logs/debug.log', 'notes/todo.txt']);
    expect(files.find((f) => f.path.endsWith('debug.log'))?.created).toBe(true);
    expect(files.find((f) => f.path.endsWith('todo.txt'))?.created).toBe(false);
    expect(visited).toBe(3);
  });

  it('never marks as created a file written just before the start (a secret file the run reads is the user’s)', () => {
    writeFileSync(join(root, 'secret.txt'), 'value\n');
    const start = Date.now();
    const { files } = changedFilesSince(start, [root]);
    expect(files.map((f) => [relative(root, f.path), f.created])).toEqual([['secret.txt', false]]);
  });

  it('never marks as created a file born within the start’s own millisecond (Date.now() drops the fraction)', () => {
    const path = join(root, 'secret.txt');
    writeFileSync(path, 'value\n');
    // The start as Date.now() would have read it in the very millisecond the file was born.
    const start = Math.floor(statSync(path).birthtimeMs);
    const { files } = changedFilesSince(start, [root]);
    expect(files.map((f) => [relative(root, f.path), f.created])).toEqual([['secret.txt', false]]);
  });

  it('skips node_modules and .git wherever they are, and excluded paths (the scratch root)', async () => {
    const start = await runBegins();
    for (const path of ['node_modules/x/index.js', 'pkg/node_modules/y.js', '.git/index', 'scratch/a', 'kept.txt']) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), 'x');
    }
    expect(rel(changedFilesSince(start, [root], { exclude: [join(root, 'scratch')] }).files)).toEqual(['kept.txt']);
  });

  it('follows extra roots outside the project (a report file, a coverage directory), each file once', async () => {
    const start = await runBegins();
    writeFileSync(join(outside, 'report.json'), '{}');
    mkdirSync(join(outside, 'coverage'));
    writeFileSync(join(outside, 'coverage', 'index.html'), '<html>');
    const { files } = changedFilesSince(start, [
      root,
      join(outside, 'report.json'),
      join(outside, 'coverage'),
      outside,
    ]);
    expect(files.map((f) => relative(outside, f.path)).sort()).toEqual(['coverage/index.html', 'report.json']);
  });

  it('does not follow symbolic links, and ignores a root that does not exist', async () => {
    const start = await runBegins();
    writeFileSync(join(outside, 'elsewhere.txt'), 'x');
    symlinkSync(outside, join(root, 'link-dir'));
    symlinkSync(join(outside, 'elsewhere.txt'), join(root, 'link-file'));
    expect(changedFilesSince(start, [root, join(root, 'missing')]).files).toEqual([]);
  });

  it('lists the names of the entries changed since the start, of any kind, and a link’s target without following it', async () => {
    old(join(root, 'src/app.ts'));
    const start = await runBegins();
    mkdirSync(join(root, '.cache/d-new'), { recursive: true });
    writeFileSync(join(root, '.cache/entry.json'), '{}');
    symlinkSync('/nonexistent/target-name', join(root, '.cache/link'));
    const { names, files } = changedFilesSince(start, [root], { exclude: [join(root, 'src')] });
    expect(names.map((n) => [n.relative, n.target]).sort()).toEqual([
      ['.cache', undefined],
      ['.cache/d-new', undefined],
      ['.cache/entry.json', undefined],
      ['.cache/link', '/nonexistent/target-name'],
    ]);
    expect(names.every((n) => n.path === join(root, n.relative))).toBe(true);
    expect(rel(files)).toEqual(['.cache/entry.json']);
    // Below an extra root, the name is matched from that root.
    writeFileSync(join(outside, 'report.json'), '{}');
    expect(changedFilesSince(start, [outside]).names.map((n) => n.relative)).toEqual(['report.json']);
  });

  it('lists no name of an entry untouched since before the start', async () => {
    old(join(root, 'src/app.ts'));
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(join(root, 'src'), past, past);
    const start = await runBegins();
    expect(changedFilesSince(start, [root]).names.map((n) => n.relative)).not.toContain('src/app.ts');
  });
});
