import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunBaseline } from '../../../src/scan/index.js';
import { Scrubber } from '../../../src/scrub/index.js';
import { auditWrittenFiles, renderLeaks } from '../../../vitest-plugin/snapshot-audit.js';

const SECRET = 'CANARY_SNAPSHOT_4e1f0a9b77';
let dir: string;
let scrubber: Scrubber;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cb-audit-'));
  scrubber = new Scrubber();
  scrubber.add(SECRET, 'API_TOKEN');
  scrubber.add('postgres', 'PGPASSWORD');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe(auditWrittenFiles.name, () => {
  it('redacts a snapshot file the run created, and reports without rewriting a test source it changed', () => {
    const snap = join(dir, 'a.test.ts.snap');
    const source = join(dir, 'a.test.ts');
    const before = `const t = '${SECRET}';\nexpect(x).toMatchInlineSnapshot();\n`;
    writeFileSync(source, before);
    const baseline = new RunBaseline().capture([snap, source]);
    writeFileSync(snap, `exports[\`t 1\`] = \`${SECRET}\`;\n`);
    const after = `const t = '${SECRET}';\nexpect(x).toMatchInlineSnapshot(\`"${SECRET}"\`);\n`;
    writeFileSync(source, after);
    const findings = auditWrittenFiles(
      baseline,
      [
        { path: snap, kind: 'snapshot' },
        { path: source, kind: 'test source' },
      ],
      scrubber
    );
    // Line 1 of the source held the value before the run: only the inline snapshot on line 2 counts.
    expect(findings).toEqual([
      { path: snap, line: 1, name: 'API_TOKEN', created: true },
      { path: source, line: 2, name: 'API_TOKEN', created: false },
    ]);
    expect(readFileSync(snap, 'utf8')).toBe('exports[`t 1`] = `[redacted:API_TOKEN]`;\n');
    expect(readFileSync(source, 'utf8')).toBe(after);
  });

  it('never counts a common value, nor a test source that the run did not change', () => {
    const source = join(dir, 'b.test.ts');
    const snap = join(dir, 'b.test.ts.snap');
    writeFileSync(source, `expect(url.protocol).toBe('postgres:'); // ${SECRET}\n`);
    const baseline = new RunBaseline().capture([source, snap]);
    writeFileSync(snap, 'exports[`postgres: 1`] = `"postgres://db"`;\n');
    const files = [
      { path: source, kind: 'test source' as const },
      { path: snap, kind: 'snapshot' as const },
      { path: join(dir, 'missing.snap'), kind: 'snapshot' as const },
    ];
    expect(auditWrittenFiles(baseline, files, scrubber)).toEqual([]);
    expect(readFileSync(snap, 'utf8')).toBe('exports[`postgres: 1`] = `"postgres://db"`;\n');
  });

  it('does not scan a test source that was not captured at the start', () => {
    const source = join(dir, 'c.test.ts');
    writeFileSync(source, `'${SECRET}'\n`);
    expect(auditWrittenFiles(new RunBaseline(), [{ path: source, kind: 'test source' }], scrubber)).toEqual([]);
  });
});

describe(renderLeaks.name, () => {
  it('names each file, line and credential, and what to do', () => {
    expect(
      renderLeaks(
        [
          { path: '/p/__snapshots__/a.test.ts.snap', line: 3, name: 'API_TOKEN', created: true },
          { path: '/p/a.test.ts', line: 12, name: 'API_TOKEN', created: false },
        ],
        '/p'
      )
    ).toBe(
      [
        'credential-broker: 2 file(s) written by this run hold a credential value; the run fails',
        '  __snapshots__/a.test.ts.snap:3: API_TOKEN (the file is new: the value was replaced by its redaction label)',
        '  a.test.ts:12: API_TOKEN (written into an existing file, which the broker does not rewrite: revert that change)',
        '  A snapshot or report printed a credential value; assert on what the code does with it instead.',
      ].join('\n')
    );
  });
});
