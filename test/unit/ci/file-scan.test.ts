import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findingsIn, renderFindings, scanFiles } from '../../../src/ci/file-scan.js';
import { Scrubber } from '../../../src/scrub/index.js';

const VALUE = 'CANARY-SCAN-7d1e5b-SENTINEL';
const OTHER = 'CANARY-OTHER-29c4aa-SENTINEL';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cb-scan-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function scrubber(): Scrubber {
  const s = new Scrubber();
  s.add(VALUE, 'API_TOKEN');
  s.add(OTHER, 'DB_PASSWORD');
  return s;
}

describe('findingsIn', () => {
  it('names the line and the credential of each match, in any registered form, never the value', () => {
    const text = `a\nb ${VALUE}\n\nc ${Buffer.from(OTHER).toString('base64')} d ${encodeURIComponent(VALUE)}\n`;
    expect(findingsIn(Buffer.from(text), scrubber())).toEqual([
      { line: 2, name: 'API_TOKEN' },
      { line: 4, name: 'DB_PASSWORD' },
      { line: 4, name: 'API_TOKEN' },
    ]);
  });

  it('finds nothing in clean bytes or with nothing registered', () => {
    expect(findingsIn(Buffer.from(`almost ${VALUE.slice(0, 10)}\n`), scrubber())).toEqual([]);
    expect(findingsIn(Buffer.from(VALUE), new Scrubber())).toEqual([]);
  });
});

describe('scanFiles', () => {
  it('redacts a created file, only reports a pre-existing one, and counts files and bytes', () => {
    const created = join(dir, 'debug.log');
    const existing = join(dir, 'notes.txt');
    const clean = join(dir, 'clean.txt');
    writeFileSync(created, `token ${VALUE}\n`);
    writeFileSync(existing, `user kept ${VALUE} here\n`);
    writeFileSync(clean, 'nothing\n');
    const result = scanFiles(
      [
        { path: created, size: 0, created: true },
        { path: existing, size: 0, created: false },
        { path: clean, size: 0, created: true },
        { path: join(dir, 'gone.txt'), size: 0, created: true },
      ],
      scrubber()
    );
    expect(readFileSync(created, 'utf8')).toBe('token [redacted:API_TOKEN]\n');
    expect(readFileSync(existing, 'utf8')).toBe(`user kept ${VALUE} here\n`);
    expect(result.redacted).toEqual([created]);
    expect(result.reported).toEqual([existing]);
    expect(result.files).toBe(3);
    expect(result.bytes).toBe(Buffer.byteLength(`token ${VALUE}\nuser kept ${VALUE} here\nnothing\n`));
    const text = renderFindings(result, (p) => p.slice(dir.length + 1));
    expect(text).toContain('debug.log:1: API_TOKEN');
    expect(text).toContain('notes.txt:1: API_TOKEN');
    expect(text).not.toContain(VALUE);
  });
});
