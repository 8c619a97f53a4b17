import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Scrubber } from '../../../src/scrub/index.js';
import { auditWrittenFiles, renderLeaks } from '../../../vitest-plugin/snapshot-audit.js';

const SECRET = 'CANARY_SNAPSHOT_4e1f0a9b77';
let dir: string;
let scrubber: Scrubber;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cb-audit-'));
  scrubber = new Scrubber();
  scrubber.add(SECRET, 'API_TOKEN');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe(auditWrittenFiles.name, () => {
  it('redacts a snapshot and a test source that hold a value, in place, and reports both', () => {
    const snap = join(dir, 'a.test.ts.snap');
    const source = join(dir, 'a.test.ts');
    writeFileSync(snap, `exports[\`t 1\`] = \`${SECRET}\`;\n`);
    writeFileSync(source, `expect(x).toMatchInlineSnapshot(\`"${SECRET}"\`);\n`);
    const leaked = auditWrittenFiles(
      [
        { path: snap, kind: 'snapshot' },
        { path: source, kind: 'test source' },
      ],
      scrubber
    );
    expect(leaked).toEqual([
      { path: snap, kind: 'snapshot' },
      { path: source, kind: 'test source' },
    ]);
    expect(readFileSync(snap, 'utf8')).toBe('exports[`t 1`] = `[redacted:API_TOKEN]`;\n');
    expect(readFileSync(source, 'utf8')).toBe('expect(x).toMatchInlineSnapshot(`"[redacted:API_TOKEN]"`);\n');
  });

  it('leaves clean and missing files alone', () => {
    const clean = join(dir, 'b.test.ts.snap');
    writeFileSync(clean, 'exports[`t 1`] = `"[redacted:API_TOKEN]"`;\n');
    expect(
      auditWrittenFiles(
        [
          { path: clean, kind: 'snapshot' },
          { path: join(dir, 'missing.snap'), kind: 'snapshot' },
        ],
        scrubber
      )
    ).toEqual([]);
  });
});

describe(renderLeaks.name, () => {
  it('names each file and what to do', () => {
    expect(renderLeaks([{ path: '/p/__snapshots__/a.test.ts.snap', kind: 'snapshot' }])).toBe(
      [
        'credential-broker: 1 written file(s) held a credential value; the run fails',
        '  /p/__snapshots__/a.test.ts.snap (snapshot): the value was replaced by its redaction label in the file',
        '  A snapshot printed a credential value past the redacting serializer; snapshot what the code does with it.',
      ].join('\n')
    );
  });
});
