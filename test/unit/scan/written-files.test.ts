import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  changedRanges,
  RunBaseline,
  renderFindings,
  scanChangedFiles,
  scanChangedNames,
  scanWrittenFiles,
} from '../../../src/scan/index.js';
import { Scrubber } from '../../../src/scrub/index.js';

const SECRET = 'CANARY-scan-5d1e7b02c4-SENTINEL';
let dir: string;
let scrubber: Scrubber;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cb-scan-'));
  scrubber = new Scrubber();
  scrubber.add(SECRET, 'TOKEN');
  scrubber.add('postgres', 'PGPASSWORD');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const text = (buf: string, ranges: ReturnType<typeof changedRanges>) =>
  ranges.map(([s, e]) => Buffer.from(buf).subarray(s, e).toString());

describe(changedRanges.name, () => {
  it('is empty for identical content, and the whole file for new content', () => {
    expect(changedRanges(Buffer.from('a\nb\n'), Buffer.from('a\nb\n'))).toEqual([]);
    expect(changedRanges(Buffer.from(''), Buffer.from('a\nb\n'))).toEqual([[0, 4]]);
  });

  it('narrows a rewritten line to the bytes that differ (an inline snapshot written into a call)', () => {
    const before = "const a = 'x';\nexpect(v).toMatchInlineSnapshot();\nconst b = 'y';\n";
    const after = "const a = 'x';\nexpect(v).toMatchInlineSnapshot(`\"new\"`);\nconst b = 'y';\n";
    expect(text(after, changedRanges(Buffer.from(before), Buffer.from(after)))).toEqual(['`"new"`']);
  });

  it('finds several inserted and changed hunks, and nothing for deleted lines', () => {
    const before = 'one\ntwo\nthree\nfour\nfive\n';
    const after = 'one\nINSERTED\ntwo\nfour\nFIVE\n';
    expect(text(after, changedRanges(Buffer.from(before), Buffer.from(after)))).toEqual(['INSERTED\n', 'FIVE']);
  });
});

describe(scanWrittenFiles.name, () => {
  it('counts a created file whole and redacts it in place; names file, line and credential', () => {
    const path = join(dir, 'new.snap');
    const baseline = new RunBaseline().capture([path]);
    writeFileSync(path, `// header\nexports[\`a 1\`] = \`${JSON.stringify(SECRET).slice(1, -1)}\`;\n`);
    expect(scanWrittenFiles(baseline, [path], scrubber)).toEqual([{ path, line: 2, name: 'TOKEN', created: true }]);
    expect(readFileSync(path, 'utf8')).toBe('// header\nexports[`a 1`] = `[redacted:TOKEN]`;\n');
  });

  it('finds a value written as decimal bytes, and redacts a created file keeping its layout (a JSON array stays one)', () => {
    const bytes = [...Buffer.from(SECRET)];
    const path = join(dir, 'report.json');
    const baseline = new RunBaseline().capture([path]);
    const report = JSON.stringify(
      { actual: { type: 'Buffer', data: bytes }, other: [1, 2, 3, 4, 5, 6, 7, 8] },
      null,
      2
    );
    writeFileSync(path, report);
    expect(scanWrittenFiles(baseline, [path], scrubber)).toEqual([{ path, line: 5, name: 'TOKEN', created: true }]);
    const redacted = JSON.parse(readFileSync(path, 'utf8'));
    expect(Buffer.from(redacted.actual.data).toString()).toBe('[redacted:TOKEN]');
    expect(redacted.other).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(readFileSync(path, 'utf8')).toBe(
      report.replace(bytes.join(',\n      '), [...Buffer.from('[redacted:TOKEN]')].join(',\n      '))
    );

    const existing = join(dir, 'a.test.ts.snap');
    writeFileSync(existing, '// header\n');
    const captured = new RunBaseline().capture([existing]);
    const harmless = `exports[\`b 1\`] = \`[${[...Buffer.from('harmless-bytes-here')].join(', ')}]\`;\n`;
    writeFileSync(existing, `// header\n${harmless}exports[\`a 1\`] = \`[${bytes.join(', ')}]\`;\n`);
    expect(scanWrittenFiles(captured, [existing], scrubber)).toEqual([
      { path: existing, line: 3, name: 'TOKEN', created: false },
    ]);
  });

  it('counts only the changed bytes of a file that existed, and never rewrites it', () => {
    const path = join(dir, 'a.test.ts');
    const before = `const s = '${SECRET}';\ntest('x', () => {});\n`;
    writeFileSync(path, before);
    const baseline = new RunBaseline().capture([path]);
    expect(scanWrittenFiles(baseline, [path], scrubber)).toEqual([]);
    const after = `${before}// ${Buffer.from(SECRET).toString('base64')}\n`;
    writeFileSync(path, after);
    expect(scanWrittenFiles(baseline, [path], scrubber)).toEqual([{ path, line: 3, name: 'TOKEN', created: false }]);
    expect(readFileSync(path, 'utf8')).toBe(after);
  });

  it('never fails on a common value, even in a created file', () => {
    const path = join(dir, 'coverage.html');
    const baseline = new RunBaseline().capture([path]);
    writeFileSync(path, "<pre>expect(url.protocol).toBe('postgres:')</pre>\n");
    expect(scanWrittenFiles(baseline, [path], scrubber)).toEqual([]);
    expect(readFileSync(path, 'utf8')).toContain('postgres:');
  });
});

describe(scanChangedFiles.name, () => {
  // Each file written twice: with the value, and (prefixed `twin-`) with its harmless twin, as files that existed.
  const writeTwins = (files: Record<string, (v: string) => Buffer>, value: string, twin: string) =>
    [
      [value, ''],
      [twin, 'twin-'],
    ].flatMap(([v, prefix]) =>
      Object.entries(files).map(([name, bytes]) => {
        const path = join(dir, `${prefix}${name}`);
        writeFileSync(path, bytes(v as string));
        return { path, size: 0, created: false };
      })
    );

  // Found by the third attack (2026-12-07): a value with an accented letter, in a Latin-1 file and in a heap snapshot.
  it('finds a Latin-1 file and a heap-snapshot-like JSON (upper-case \\u) holding a non-ASCII value, not their twins', () => {
    const value = 'CANARY&<Tok>"q\'u/o+te=%20é~SENTINEL';
    const twin = 'CANARY&<Tok>"q\'u/o+te=%20è~SENTINEL';
    scrubber.add(value, 'OTHER');
    const upper = (json: string) =>
      json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
    const files = {
      'latin1.xml': (v: string) => Buffer.from(`<prop value="${v}"/>\n`, 'latin1'),
      'h.heapsnapshot': (v: string) => Buffer.from(`{"strings":["<dummy>",\n${upper(JSON.stringify(v))},\n"x"]}\n`),
    };
    const result = scanChangedFiles(writeTwins(files, value, twin), scrubber);
    expect(result.findings).toEqual([
      { path: join(dir, 'latin1.xml'), line: 1, name: 'OTHER', created: false },
      { path: join(dir, 'h.heapsnapshot'), line: 2, name: 'OTHER', created: false },
    ]);
  });

  // Found by the recheck of the third attack (2026-12-07): UTF-16 files passed the scan.
  it('finds UTF-16 files in both byte orders (with a BOM or not) holding a value, not their twins', () => {
    const value = 'CANARYutf16-SENTINEL-4f1c';
    const twin = 'CANARYutf16-SENTINEL-4f1d';
    scrubber.add(value, 'WIDE');
    const files = {
      'le.txt': (v: string) => Buffer.from(`\ufefftoken=${v}\n`, 'utf16le'),
      'be.txt': (v: string) => Buffer.from(`line one\ntoken=${v}\n`, 'utf16le').swap16(),
    };
    const result = scanChangedFiles(writeTwins(files, value, twin), scrubber);
    expect(result.findings).toEqual([
      { path: join(dir, 'le.txt'), line: 1, name: 'WIDE', created: false },
      { path: join(dir, 'be.txt'), line: 2, name: 'WIDE', created: false },
    ]);
  });

  it('redacts a created file, only reports a pre-existing one, skips common values, and counts files and bytes', () => {
    const created = join(dir, 'debug.log');
    const existing = join(dir, 'notes.txt');
    const common = join(dir, 'coverage.html');
    writeFileSync(created, `token ${SECRET}\n`);
    writeFileSync(existing, `user kept\n${SECRET} here\n`);
    writeFileSync(common, "toBe('postgres:')\n");
    const result = scanChangedFiles(
      [
        { path: created, size: 0, created: true },
        { path: existing, size: 0, created: false },
        { path: common, size: 0, created: true },
        { path: join(dir, 'gone.txt'), size: 0, created: true },
      ],
      scrubber
    );
    expect(result.findings).toEqual([
      { path: created, line: 1, name: 'TOKEN', created: true },
      { path: existing, line: 2, name: 'TOKEN', created: false },
    ]);
    expect(readFileSync(created, 'utf8')).toBe('token [redacted:TOKEN]\n');
    expect(readFileSync(existing, 'utf8')).toBe(`user kept\n${SECRET} here\n`);
    expect(readFileSync(common, 'utf8')).toBe("toBe('postgres:')\n");
    expect({ files: result.files, bytes: result.bytes }).toEqual({
      files: 3,
      bytes: Buffer.byteLength(`token ${SECRET}\nuser kept\n${SECRET} here\ntoBe('postgres:')\n`),
    });
  });

  it('counts only the changed bytes of a captured file, and reports a created file it cannot rewrite', () => {
    const captured = join(dir, 'a.test.ts');
    writeFileSync(captured, `const s = '${SECRET}';\n`);
    const baseline = new RunBaseline().capture([captured]);
    writeFileSync(captured, `const s = '${SECRET}';\n// more\n`);
    const locked = join(dir, 'locked.log');
    writeFileSync(locked, `${SECRET}\n`);
    chmodSync(locked, 0o444);
    const result = scanChangedFiles(
      [
        { path: captured, size: 0, created: false },
        { path: locked, size: 0, created: true },
      ],
      scrubber,
      baseline
    );
    // Root may write a 0444 file: then it is redacted like any created file.
    const rewritten = readFileSync(locked, 'utf8') !== `${SECRET}\n`;
    expect(result.findings).toEqual([{ path: locked, line: 1, name: 'TOKEN', created: rewritten }]);
  });
});

// Found by the third attack (2026-12-07): a cache keyed by a token left the value in file and directory names and in a
// link's target, and the scan read only contents.
describe(scanChangedNames.name, () => {
  const entry = (relative: string, target?: string) => ({
    path: join(dir, relative),
    relative,
    ...(target === undefined ? {} : { target }),
  });

  it('finds a value in a file name, a directory name (once, not again for its files) and a link target', () => {
    const names = [
      entry(`.cache/${SECRET}.json`),
      entry(`.cache/d-${SECRET}`),
      entry(`.cache/d-${SECRET}/f.txt`),
      entry('.cache/link', `/nonexistent/${SECRET}`),
      entry(`.cache/b64-${Buffer.from(SECRET).toString('base64url')}.json`),
    ];
    expect(scanChangedNames(names, scrubber)).toEqual([
      { path: join(dir, '.cache/[redacted:TOKEN].json'), line: 0, name: 'TOKEN', created: false, in: 'name' },
      { path: join(dir, '.cache/d-[redacted:TOKEN]'), line: 0, name: 'TOKEN', created: false, in: 'name' },
      { path: join(dir, '.cache/link'), line: 0, name: 'TOKEN', created: false, in: 'link target' },
      { path: join(dir, '.cache/b64-[redacted:TOKEN].json'), line: 0, name: 'TOKEN', created: false, in: 'name' },
    ]);
  });

  it('finds a value that a `/` splits across directories, in the entry where it ends', () => {
    const value = 'CANARY&<Tok>"q\'u/o+te=%20é~SENTINEL';
    scrubber.add(value, 'OTHER');
    const [head, tail] = value.split('/') as [string, string];
    expect(scanChangedNames([entry(`.cache/${head}`), entry(`.cache/${head}/${tail}.json`)], scrubber)).toEqual([
      { path: join(dir, '.cache/[redacted:OTHER].json'), line: 0, name: 'OTHER', created: false, in: 'name' },
    ]);
  });

  it('passes names and a target holding a different value of the same shape', () => {
    const twin = SECRET.replace('5d1e7b02c4', '5d1e7b02c5');
    const names = [entry(`.cache/${twin}.json`), entry(`d-${twin}`), entry('link', `/x/${twin}`)];
    expect(scanChangedNames(names, scrubber)).toEqual([]);
  });

  it('leaves the entries as they are, and prints the redacted path with a hint, never the value', () => {
    mkdirSync(join(dir, '.cache'));
    writeFileSync(join(dir, `.cache/${SECRET}.json`), '{"ok":true}\n');
    symlinkSync(`/nonexistent/${SECRET}`, join(dir, '.cache/link'));
    const found = scanChangedNames(
      [entry(`.cache/${SECRET}.json`), entry('.cache/link', `/nonexistent/${SECRET}`)],
      scrubber
    );
    expect(existsSync(join(dir, `.cache/${SECRET}.json`))).toBe(true);
    expect(readlinkSync(join(dir, '.cache/link'))).toBe(`/nonexistent/${SECRET}`);
    const message = renderFindings(found, dir);
    expect(message).not.toContain(SECRET);
    expect(message.split('\n').slice(1)).toEqual([
      '  .cache/[redacted:TOKEN].json: a file or directory name holds TOKEN (left as is: rename or delete it)',
      "  .cache/link: a symbolic link's target holds TOKEN (left as is: delete the link)",
    ]);
  });

  it('prints a content finding in a directory named by a value with the label in its path', () => {
    mkdirSync(join(dir, `d-${SECRET}`));
    const path = join(dir, `d-${SECRET}`, 'out.log');
    writeFileSync(path, `${SECRET}\n`);
    const { findings } = scanChangedFiles([{ path, size: 0, created: true }], scrubber);
    expect(findings).toEqual([
      { path: join(dir, 'd-[redacted:TOKEN]', 'out.log'), line: 1, name: 'TOKEN', created: true },
    ]);
    expect(readFileSync(path, 'utf8')).toBe('[redacted:TOKEN]\n');
  });
});
