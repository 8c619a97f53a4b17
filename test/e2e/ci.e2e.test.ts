/**
 * CI-native features end to end, under GITHUB_ACTIONS=true, with the real Vitest CLI, the real Jest CLI and
 * `credential-broker run` on copies of fixtures/projects/ci-scan: every form masked before the first test output,
 * the step summary and the audit record naming credentials without values, and the post-run scan failing the run on
 * a value written into logs/debug.log (redacted there), reporting a pre-existing file without touching it.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveForms } from '../../src/scrub/forms.js';
import { recordFigure } from '../helpers/figures.js';
import {
  childEnv,
  filesUnder,
  findLeaks,
  type NodeRun,
  type ProjectCopy,
  repoRoot,
  runNode,
  stripAnsi,
} from './harness.js';
import { copyJestFixture, runJest } from './jest-harness.js';
import { copyFixture, runVitest } from './vitest-harness.js';

const SECRET = readFileSync(join(repoRoot, 'fixtures/projects/ci-scan/secrets/token.txt'), 'utf8');
const cli = join(repoRoot, 'dist', 'cli.js');

interface Runner {
  readonly copy: () => ProjectCopy;
  readonly run: (p: ProjectCopy, env: Record<string, string>) => Promise<NodeRun>;
  readonly audit: string;
}

const RUNNERS: Record<'vitest' | 'jest' | 'run', Runner> = {
  vitest: {
    copy: () => copyFixture('ci-scan'),
    run: (p, env) => runVitest(p, [], { env }),
    audit: 'reports/credential-broker-audit.json',
  },
  jest: {
    copy: () => copyJestFixture('ci-scan'),
    run: (p, env) => runJest(p, [], { env }),
    audit: 'reports/credential-broker-audit.json',
  },
  run: {
    copy: () => copyFixture('ci-scan'),
    run: (p, env) =>
      runNode([cli, 'run', '--audit', 'reports/run-audit.json', '--', process.execPath, 'child.mjs'], {
        cwd: p.dir,
        env: childEnv(p, /^(VITEST|__VITEST|JEST_|NODE_OPTIONS$|CREDENTIAL_BROKER_)/, {}, env),
      }),
    audit: 'reports/run-audit.json',
  },
};

describe.each(Object.keys(RUNNERS) as (keyof typeof RUNNERS)[])('%s under GITHUB_ACTIONS=true', (name) => {
  const runner = RUNNERS[name];
  let p: ProjectCopy;
  let run: NodeRun;
  let summary: string;
  let secretFile: { mtimeMs: number; text: string };

  beforeAll(async () => {
    p = runner.copy();
    const secretPath = join(p.dir, 'secrets/token.txt');
    secretFile = { mtimeMs: statSync(secretPath).mtimeMs, text: readFileSync(secretPath, 'utf8') };
    const summaryFile = join(p.outDir, 'step-summary.md');
    run = await runner.run(p, { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile, FORCE_COLOR: '0' });
    summary = readFileSync(summaryFile, 'utf8');
  }, 120_000);
  afterAll(() => p.remove());

  it('masks every form of the value on stdout before the first test output', () => {
    const first = run.stdout.indexOf('first test output: ');
    expect(first).toBeGreaterThan(0);
    expect(run.stdout).toContain('first test output: [redacted:CI_TOKEN]');
    const before = run.stdout.slice(0, first);
    const forms = deriveForms(SECRET, 6);
    expect(forms.length).toBeGreaterThanOrEqual(10);
    const unmasked = forms.filter((form) => !before.includes(`::add-mask::${form.replace(/%/g, '%25')}\n`));
    expect(unmasked.map((form) => forms.indexOf(form))).toEqual([]);
  });

  it('fails the run naming logs/debug.log:2 and the credential, and redacts the file the run created', () => {
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/credential-broker: scanned \d+ file\(s\) written during the run \(\d+ bytes; /);
    expect(run.stderr).toContain(
      '  logs/debug.log:2: CI_TOKEN (the file is new: the value was replaced by its redaction label)\n'
    );
    expect(readFileSync(join(p.dir, 'logs/debug.log'), 'utf8')).toBe('connecting\nwith token [redacted:CI_TOKEN]\n');
  });

  it('reports a pre-existing file that now holds the value without rewriting it, and leaves unrelated files alone', () => {
    expect(run.stderr).toContain(
      '  notes/settings.txt:2: CI_TOKEN (written into an existing file, which the broker does not rewrite: revert that change)\n'
    );
    expect(readFileSync(join(p.dir, 'notes/settings.txt'), 'utf8')).toBe(`settings the user keeps\ntoken=${SECRET}\n`);
    expect(readFileSync(join(p.dir, 'notes/todo.txt'), 'utf8')).toBe(
      'notes kept by the user\none more line, no value\n'
    );
    const secretPath = join(p.dir, 'secrets/token.txt');
    expect({ mtimeMs: statSync(secretPath).mtimeMs, text: readFileSync(secretPath, 'utf8') }).toEqual(secretFile);
    expect(run.stderr).not.toContain('secrets/token.txt');
  });

  it('appends a step summary and writes an audit record that name the credentials, never a value', () => {
    expect(summary).toContain(`### credential-broker (${name})`);
    expect(summary).toMatch(/\| CI_TOKEN \| `file:secrets\/token\.txt` \| 🔒 local \| env \| — \| 1 \|/);
    expect(summary).toMatch(/\| CI_VAULT_DB \| `vault:secret\/db#url` \| 🏠 self-hosted \|/);
    expect(summary).toContain('`logs/debug.log:2`: CI_TOKEN');
    const audit = JSON.parse(readFileSync(join(p.dir, runner.audit), 'utf8')) as {
      runner: string;
      holds: { credential: string; from?: string; to?: string }[];
      scan: { findings: { path: string; line: number; credential: string }[] };
    };
    expect(audit.runner).toBe(name);
    expect(audit.holds.map((h) => h.credential)).toEqual(['CI_TOKEN']);
    expect(Date.parse(audit.holds[0]?.to ?? '')).toBeGreaterThanOrEqual(Date.parse(audit.holds[0]?.from ?? ''));
    expect(audit.scan.findings).toContainEqual({ path: 'logs/debug.log', line: 2, credential: 'CI_TOKEN' });
    if (name !== 'run') {
      expect(summary).toContain('needs vault:secret/db#url');
    }
  });

  it('leaves the value nowhere but the mask commands and the user-owned files', () => {
    const stdout = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    const texts = [
      { where: 'stdout (without mask commands)', text: stdout },
      { where: 'stderr', text: run.stderr },
      { where: 'step summary', text: summary },
      // What the run wrote into the project (node_modules links to this repository: not the run's).
      ...['logs', 'notes', 'reports', 'tests']
        .flatMap((dir) => filesUnder(join(p.dir, dir)))
        .filter((f) => !f.path.endsWith('notes/settings.txt'))
        .map((f) => ({ where: f.path, text: f.text })),
    ];
    expect(findLeaks(texts, { CI_TOKEN: SECRET })).toEqual([]);
    recordFigure('R1', `file-scan-${name}`, { vectors: 1 });
  });
});

// Found by the third attack (2026-12-07): a cache keyed by a token leaves it only in names, which the scan did not read.
describe('vitest: a value in a file name, a directory name or a link target', () => {
  const copies: ProjectCopy[] = [];
  afterAll(() => {
    for (const p of copies) {
      p.remove();
    }
  });
  const run = async (names: 'value' | 'twin') => {
    const p = copyFixture('ci-scan');
    copies.push(p);
    return { p, run: await runVitest(p, [], { env: { BROKER_E2E_NAMES: names, FORCE_COLOR: '0' } }) };
  };

  it('fails the run naming each entry with the value redacted, and leaves the entries as they are', async () => {
    const { p, run: result } = await run('value');
    expect(result.code).toBe(1);
    for (const line of [
      '  .cache/[redacted:CI_TOKEN].json: a file or directory name holds CI_TOKEN (left as is: rename or delete it)',
      '  .cache/d-[redacted:CI_TOKEN]: a file or directory name holds CI_TOKEN (left as is: rename or delete it)',
      "  .cache/link: a symbolic link's target holds CI_TOKEN (left as is: delete the link)",
    ]) {
      expect(result.stderr).toContain(`${line}\n`);
    }
    expect(
      findLeaks(
        [
          { where: 'stdout', text: result.stdout },
          { where: 'stderr', text: result.stderr },
        ],
        { CI_TOKEN: SECRET }
      )
    ).toEqual([]);
    expect(readFileSync(join(p.dir, '.cache', `${SECRET.trim()}.json`), 'utf8')).toBe('{"ok":true}\n');
    const audit = JSON.parse(readFileSync(join(p.dir, 'reports/credential-broker-audit.json'), 'utf8')) as {
      scan: { findings: unknown[] };
    };
    expect(audit.scan.findings).toContainEqual({
      path: '.cache/[redacted:CI_TOKEN].json',
      line: 0,
      credential: 'CI_TOKEN',
      in: 'name',
    });
  }, 120_000);

  it('passes names holding a different value of the same shape', async () => {
    const { run: result } = await run('twin');
    expect(stripAnsi(result.stdout)).toMatch(/Tests\s+1 passed/);
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: 0,
      stderr: expect.not.stringContaining('hold'),
    });
  }, 120_000);
});

// Found by the third attack (2026-12-07): V8 writes a non-ASCII character as \u00E9, which was not a registered form.
describe('vitest: a heap snapshot of a worker holding a value with an accented letter', () => {
  let p: ProjectCopy;
  afterAll(() => p.remove());

  it('fails the run naming the snapshot, and redacts every form of the value in it', async () => {
    p = copyFixture('ci-scan');
    const value = `${SECRET.trim()}-é~ü`;
    writeFileSync(join(p.dir, 'secrets/token.txt'), `${value}\n`);
    const result = await runVitest(p, [], { env: { BROKER_E2E_HEAP: '1', FORCE_COLOR: '0' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ {2}worker\.heapsnapshot:\d+: CI_TOKEN \(the file is new: the value was replaced/);
    const heap = readFileSync(join(p.dir, 'worker.heapsnapshot'), 'utf8');
    // The worker's env holds the value: the snapshot writes that string on a line of its own.
    expect(heap).toMatch(/^"\[redacted:CI_TOKEN\]/m);
    const upper = JSON.stringify(value)
      .slice(1, -1)
      .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
    expect(heap.includes(upper)).toBe(false);
    expect(heap.includes(SECRET.trim())).toBe(false);
  }, 120_000);
});

// Found by the fourth attack (2026-12-07): Jest writes `--json --outputFile` after global teardown, where the scan ran
// (F2); Vitest's JUnit reporter opens its file before the run's start, so the report counted as the user's (F4); a
// user's file replaced by rename during the run was taken as created and rewritten with the label (F8).
describe.each([
  {
    name: 'vitest',
    reports: ['reports/junit.xml'],
    copy: () => copyFixture('ci-scan'),
    run: (p: ProjectCopy) => runVitest(p, [], { env: { BROKER_E2E_REPORTS: '1', FORCE_COLOR: '0' } }),
  },
  {
    name: 'jest',
    // --outputFile, and the testResultsProcessor's own report: both written after global teardown.
    reports: ['reports/jest.json', 'reports/processor.json'],
    copy: () => copyJestFixture('ci-scan'),
    run: (p: ProjectCopy) =>
      runJest(p, ['--json', '--outputFile=reports/jest.json'], { env: { BROKER_E2E_REPORTS: '1', FORCE_COLOR: '0' } }),
  },
])('$name: the runner’s report and files replaced by rename', ({ reports, copy, run }) => {
  const token = SECRET.trim();
  const twin = `${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}`;
  const userFile = `{\n  "port": 3000,\n  "apiToken": "${token}"\n}\n`;
  let p: ProjectCopy;
  let result: NodeRun;

  beforeAll(async () => {
    p = copy();
    // The user's own dev config, holding the value before the run begins.
    writeFileSync(join(p.dir, 'notes/dev.json'), userFile);
    result = await run(p);
  }, 120_000);
  afterAll(() => p.remove());

  it('fails the run and redacts the value in the report, which is the run’s, leaving the rest of it verbatim', () => {
    expect(result.code).toBe(1);
    for (const report of reports) {
      expect(result.stderr).toMatch(
        new RegExp(` {2}${report.replace('.', '\\.')}:\\d+: CI_TOKEN \\(the file is new: the value was replaced by its`)
      );
      const text = readFileSync(join(p.dir, report), 'utf8');
      expect(text).toMatch(/planted"?:? ?"?\[redacted:CI_TOKEN\]/);
      expect(text).toContain(twin);
      expect(text.includes(token)).toBe(false);
    }
  });

  it('reports a user’s file replaced by rename without rewriting it, and redacts a file the run created by rename', () => {
    expect(result.stderr).toMatch(/ {2}notes\/dev\.json:3: CI_TOKEN \(written into an existing file, which the broker/);
    expect(readFileSync(join(p.dir, 'notes/dev.json'), 'utf8')).toBe(userFile.replace('3000', '3001'));
    expect(result.stderr).toContain('  logs/fresh.json:1: CI_TOKEN (the file is new: the value was replaced by its');
    expect(readFileSync(join(p.dir, 'logs/fresh.json'), 'utf8')).toBe('{"token":"[redacted:CI_TOKEN]"}\n');
  });
});
