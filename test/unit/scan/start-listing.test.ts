import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changedFilesSince } from '../../../src/scan/changed-files.js';
import { StartListing } from '../../../src/scan/start-listing.js';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cb-listing-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Past the coarse-clock slack both ways: what was written before is before the start, what follows is after it.
async function runBegins(): Promise<{ start: number; listing: StartListing }> {
  await sleep(60);
  const start = Date.now();
  const listing = new StartListing().add([root]);
  await sleep(30);
  return { start, listing };
}

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

// write-file-atomic, `sed -i`, an editor's safe save: a new inode renamed over the path.
function replaceByRename(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

const created = (files: readonly { path: string; created: boolean }[]) =>
  files.map((f) => [relative(root, f.path), f.created]).sort();

describe('StartListing', () => {
  it('says which paths existed at the start, which did not, and where it cannot tell', () => {
    write(join(root, 'config/dev.json'), '{}');
    write(join(root, 'node_modules/x/index.js'), '');
    const listing = new StartListing().add([root, join(root, 'config'), join(root, 'missing')]);
    expect(listing.existed(join(root, 'config/dev.json'))).toBe(true);
    expect(listing.existed(join(root, 'config'))).toBe(true);
    expect(listing.existed(join(root, 'config/new.json'))).toBe(false);
    expect(listing.existed(join(root, 'logs/deep/new.log'))).toBe(false);
    expect(listing.existed(join(root, 'missing/report.xml'))).toBe(false);
    // node_modules is named but not descended into; outside every root: unknown.
    expect(listing.existed(join(root, 'node_modules/x/index.js'))).toBeUndefined();
    expect(listing.existed(join(tmpdir(), 'elsewhere.txt'))).toBeUndefined();
    expect(listing.figures.directories).toBe(2);
  });
});

describe('changedFilesSince with a start listing', () => {
  it('takes a user’s file replaced by rename during the run as the user’s, a file created by rename as created', async () => {
    write(join(root, 'config/dev.json'), '{"apiToken":"value"}\n');
    const { start, listing } = await runBegins();
    replaceByRename(join(root, 'config/dev.json'), '{"apiToken":"value","port":3001}\n');
    mkdirSync(join(root, 'logs'));
    replaceByRename(join(root, 'logs/fresh.json'), '{"token":"value"}\n');
    writeFileSync(join(root, 'config/new.json'), '{}\n');
    expect(created(changedFilesSince(start, [root], { listing }).files)).toEqual([
      ['config/dev.json', false],
      ['config/new.json', true],
      ['logs/fresh.json', true],
    ]);
    // Birth time alone (no listing) took the replaced file as created.
    expect(created(changedFilesSince(start, [root]).files)).toContainEqual(['config/dev.json', true]);
  });

  it('takes a user’s file the run moved to a new path as the user’s (its birth time is old)', async () => {
    write(join(root, 'config/dev.json'), '{}\n');
    const { start, listing } = await runBegins();
    renameSync(join(root, 'config/dev.json'), join(root, 'config/dev.json.bak'));
    expect(created(changedFilesSince(start, [root], { listing }).files)).toEqual([['config/dev.json.bak', false]]);
  });

  it('takes the runner’s own report files as the run’s, even when they existed before the start', async () => {
    write(join(root, 'reports/junit.xml'), '<old/>\n');
    write(join(root, 'notes/kept.txt'), 'x\n');
    const { start, listing } = await runBegins();
    writeFileSync(join(root, 'reports/junit.xml'), '<testsuites/>\n');
    writeFileSync(join(root, 'notes/kept.txt'), 'y\n');
    const outputs = [join(root, 'reports/junit.xml')];
    expect(created(changedFilesSince(start, [root], { listing, outputs }).files)).toEqual([
      ['notes/kept.txt', false],
      ['reports/junit.xml', true],
    ]);
  });
});
