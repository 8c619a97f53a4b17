/**
 * Issue 11, findings 1–3 and 7, under the real Vitest and Jest CLIs (fixtures/projects/vitest-pipes, jest-pipes):
 * a test process tree writing a credential past `process.stdout.write` (a shell child with inherited stdio,
 * `fs.writeSync` to fd 1 and 2, a value cut by a 64 KiB pipe read, by a 300 ms pause, written in pieces), names
 * holding the value in the JSON and JUnit reports, and Jest's `test.concurrent` in a file that holds credentials.
 * Each vector has a harmless twin that must print verbatim. The sentinel is generated here (TEST ONLY).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordFigure } from '../helpers/figures.js';
import { filesUnder, findLeaks, type NodeRun, type ProjectCopy, repoRoot, stripAnsi } from './harness.js';
import { copyJestFixture, runJest } from './jest-harness.js';
import { copyFixture, runVitest } from './vitest-harness.js';

const VALUE = `SENTINEL-pipe-${randomBytes(12).toString('hex')}`;
// Shares the value's prefix, differs after it: printed (and named) verbatim.
const TWIN = `SENTINEL-pipe-${randomBytes(12).toString('hex')}`;
const LABEL = '[redacted:PLAIN]';
// Behind a file: ref, resolved only when a test asks: unknown to every scrubber while names are collected.
const LATE = `SENTINEL-late-${randomBytes(12).toString('hex')}`;

// The output vectors the fixtures' tests print with the value, and the twins that must stay as they are.
const VECTORS = ['v1 shell:', 'v1 shell err:', 'v2 fd1:', 'v2 fd2:', 'v3 done', 'v4 paused:', 'v5 pieces:'];

function prepare(copy: ProjectCopy): Record<string, string> {
  const valueFile = join(copy.outDir, 'value.txt');
  const twinFile = join(copy.outDir, 'twin.txt');
  writeFileSync(valueFile, VALUE);
  writeFileSync(twinFile, TWIN);
  writeFileSync(join(copy.dir, 'secrets', 'late.txt'), LATE);
  return { CB_SRC_PLAIN: VALUE, VALUE_FILE: valueFile, TWIN_FILE: twinFile };
}

interface Landed {
  readonly terminal: string;
}

function everywhere(run: NodeRun, copy: ProjectCopy): { where: string; text: string }[] {
  return [
    { where: 'stdout', text: run.stdout },
    { where: 'stderr', text: run.stderr },
    ...filesUnder(copy.outDir)
      .filter((f) => !f.path.endsWith('value.txt') && !f.path.includes('-cache'))
      .map((f) => ({ where: f.path.slice(copy.outDir.length + 1), text: f.text })),
    ...filesUnder(copy.dir)
      .filter((f) => !f.path.endsWith('late.txt'))
      .map((f) => ({ where: f.path.slice(copy.dir.length + 1), text: f.text })),
  ];
}

// Failures name what is missing, never the text around it (which would hold the sentinel if it leaked).
function expectOutputVectors(landed: Landed): void {
  // With two Jest workers, the other file's one line (v8) may land inside a line this file's child is still
  // writing (v4 pauses 300 ms mid-value): take it out before looking for the vectors whole.
  const terminal = stripAnsi(landed.terminal).replaceAll(`v8 other: ${LABEL}\n`, '');
  const expected: Record<string, string> = {
    ...Object.fromEntries(VECTORS.map((vector) => [vector, vector])),
    'v1 redacted': `v1 shell: ${LABEL}`,
    'v2 redacted': `v2 fd1: ${LABEL}`,
    'v4 redacted': `v4 paused: ${LABEL}`,
    'v5 redacted': `v5 pieces: ${LABEL}`,
    // The twins: a resembling string and a value cut by unrelated output are not credentials.
    't1 verbatim': `t1 twin: ${TWIN}`,
    't1 fd verbatim': `t1 twin fd: ${TWIN}`,
    't2 verbatim': `t2 split: ${VALUE.slice(0, 12)} | unrelated | ${VALUE.slice(12)}`,
  };
  const missing = Object.entries(expected).flatMap(([label, text]) => (terminal.includes(text) ? [] : [label]));
  expect(missing).toEqual([]);
}

describe('Vitest forks: every byte of the test process tree passes the scrubber (findings 2, 3)', () => {
  let copy: ProjectCopy;
  let run: NodeRun;

  beforeAll(async () => {
    copy = copyFixture('vitest-pipes');
    const env = prepare(copy);
    run = await runVitest(
      copy,
      [
        '--pool=forks',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${join(copy.outDir, 'report.json')}`,
        '--reporter=junit',
        `--outputFile.junit=${join(copy.outDir, 'junit.xml')}`,
        '--reporter=./name-reporter.ts',
      ],
      { env: { ...env, NAMES_FILE: join(copy.outDir, 'names.txt') }, timeoutMs: 170_000 }
    );
  }, 180_000);

  afterAll(() => copy?.remove());

  it('passes, with each output vector redacted and each twin verbatim', () => {
    expect(run.code).toBe(0);
    expectOutputVectors({ terminal: run.stdout + run.stderr });
  });

  it('scrubs test and describe names before the JSON and JUnit reports are written; a twin name stays', () => {
    const json = readFileSync(join(copy.outDir, 'report.json'), 'utf8');
    const junit = readFileSync(join(copy.outDir, 'junit.xml'), 'utf8');
    // A user's reporter reading TestCase.fullName (Vitest's newer API) as each test ends.
    const names = readFileSync(join(copy.outDir, 'names.txt'), 'utf8');
    for (const report of [json, junit, names]) {
      expect(report).toContain(`v6 name ${LABEL}`);
      expect(report).toContain(`v7 describe ${LABEL}`);
      expect(report).toContain(`t3 twin name ${TWIN}`);
      expect(report).toContain('v9 late name [redacted:LATE]');
    }
  });

  it('leaves the sentinel nowhere: terminal, reports, project', () => {
    expect(findLeaks(everywhere(run, copy), { PLAIN: VALUE, LATE })).toEqual([]);
    // The output vectors plus three names: a test's, a describe's, one resolved after collection.
    recordFigure('R1', 'vitest-pipes', { vectors: VECTORS.length + 3 });
  });
});

describe.each([
  ['in band (-i)', ['-i']],
  ['with workers (-w 2)', ['-w', '2']],
])('Jest %s: every byte of the test process tree passes the scrubber (findings 1, 3)', (mode, args) => {
  let copy: ProjectCopy;
  let run: NodeRun;

  beforeAll(async () => {
    copy = copyJestFixture('jest-pipes');
    const env = prepare(copy);
    run = await runJest(copy, [...args, '--json', `--outputFile=${join(copy.outDir, 'jest.json')}`], {
      env,
      timeoutMs: 170_000,
    });
  }, 180_000);

  afterAll(() => copy?.remove());

  it('passes, with each output vector redacted and each twin verbatim', () => {
    expect(run.code).toBe(0);
    expectOutputVectors({ terminal: run.stdout + run.stderr });
    expect(stripAnsi(run.stdout + run.stderr)).toContain(`v8 other: ${LABEL}`);
  });

  it('scrubs test and describe names in --json and jest-junit; a twin name stays', () => {
    const json = readFileSync(join(copy.outDir, 'jest.json'), 'utf8');
    const junit = readFileSync(join(copy.outDir, 'junit.xml'), 'utf8');
    for (const report of [json, junit]) {
      expect(report).toContain(`v6 name ${LABEL}`);
      expect(report).toContain(`v7 describe ${LABEL}`);
      expect(report).toContain(`t3 twin name ${TWIN}`);
      expect(report).toContain('v9 late name [redacted:LATE]');
    }
  });

  it('leaves the sentinel nowhere: terminal, --json, jest-junit, project', () => {
    expect(findLeaks(everywhere(run, copy), { PLAIN: VALUE, LATE })).toEqual([]);
    // The same vectors in both modes, counted once: the output vectors, a second worker's child, three names.
    recordFigure('R1', `jest-pipes-${mode.startsWith('in band') ? 'in-band' : 'workers'}`, {
      vectors: mode.startsWith('in band') ? VECTORS.length + 4 : 0,
    });
  });
});

describe('Jest test.concurrent in a file that holds credentials (finding 7)', () => {
  let copy: ProjectCopy;
  let refused: NodeRun;
  let twin: NodeRun;
  let runtime: NodeRun;

  beforeAll(async () => {
    copy = copyJestFixture('jest-pipes');
    const env = prepare(copy);
    const only = (file: string): string[] => ['-i', `--testMatch=<rootDir>/tests/${file}`];
    refused = await runJest(copy, only('concurrent.refuse.js'), { env, timeoutMs: 110_000 });
    twin = await runJest(copy, only('concurrent-twin.refuse.js'), { env, timeoutMs: 110_000 });
    runtime = await runJest(copy, only('concurrent-runtime.refuse.js'), { env, timeoutMs: 110_000 });
  }, 330_000);

  afterAll(() => copy?.remove());

  it('refuses the file, naming file:line and the fix; nothing ran, so the sentinel is nowhere', () => {
    expect(refused.code).toBe(1);
    const text = stripAnsi(refused.stdout + refused.stderr);
    const line =
      readFileSync(join(copy.dir, 'tests/concurrent.refuse.js'), 'utf8')
        .split('\n')
        .findIndex((l) => l.startsWith('test.concurrent(')) + 1;
    expect(text).toContain(`test.concurrent "tests/concurrent.refuse.js:${line}": "reads what another test holds"`);
    expect(text).not.toContain('dist/jest-environment');
    expect(text).toContain('Remove .concurrent from this test, or move it to a file that asks for no credentials');
    expect(text).toMatch(/Tests: +0 total/);
    expect(findLeaks(everywhere(refused, copy), { PLAIN: VALUE, LATE })).toEqual([]);
  });

  it('refuses credentials() at run time in a file with concurrent tests, naming the concurrent test', () => {
    expect(runtime.code).toBe(1);
    const text = stripAnsi(runtime.stdout + runtime.stderr);
    const line =
      readFileSync(join(copy.dir, 'tests/concurrent-runtime.refuse.js'), 'utf8')
        .split('\n')
        .findIndex((l) => l.startsWith('test.concurrent(')) + 1;
    expect(text).toContain(`test.concurrent "tests/concurrent-runtime.refuse.js:${line}": "does not ask for anything"`);
    expect(findLeaks(everywhere(runtime, copy), { PLAIN: VALUE, LATE })).toEqual([]);
  });

  it('runs test.concurrent as Jest does in a file without credentials (the twin)', () => {
    expect(twin.code).toBe(0);
    expect(stripAnsi(twin.stdout + twin.stderr)).toContain('runs concurrently');
  });
});

describe('credential-broker run: the same vectors from a child process tree', () => {
  let base: string;
  let dir: string;
  let run: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'cb-run-pipes-'));
    dir = join(base, 'project');
    mkdirSync(dir);
    mkdirSync(join(base, 'run'), { mode: 0o700 });
    writeFileSync(
      join(dir, 'credential-broker.config.json'),
      JSON.stringify({ credentials: { PLAIN: 'env:CB_SRC_PLAIN' } })
    );
    // What the fixtures' tests do, from a program `run` starts (its own children inherit its stdio).
    writeFileSync(
      join(dir, 'child.cjs'),
      `const { spawnSync } = require('node:child_process');
const { writeSync } = require('node:fs');
const v = process.env.PLAIN;
const twin = process.env.TWIN;
spawnSync('sh', ['-c', 'echo "v1 shell: $PLAIN"; echo "v1 shell err: $PLAIN" >&2'], { stdio: 'inherit' });
writeSync(1, 'v2 fd1: ' + v + '\\n');
writeSync(2, 'v2 fd2: ' + v + '\\n');
spawnSync(process.execPath, ['-e', "process.stdout.write('.'.repeat(65531) + process.env.PLAIN + '\\\\nv3 done\\\\n')"], { stdio: 'inherit' });
spawnSync(process.execPath, ['-e', "const v = process.env.PLAIN; process.stdout.write('v4 paused: ' + v.slice(0, 9)); setTimeout(() => process.stdout.write(v.slice(9) + '\\\\n'), 300)"], { stdio: 'inherit' });
writeSync(1, 'v5 pieces: ');
for (let i = 0; i < v.length; i += 4) writeSync(1, v.slice(i, i + 4));
writeSync(1, '\\n');
writeSync(1, 't1 twin: ' + twin + '\\n');
writeSync(1, 't1 twin fd: ' + twin + '\\n');
writeSync(1, 't2 split: ' + v.slice(0, 12) + ' | unrelated | ' + v.slice(12) + '\\n');
`
    );
    run = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'run', '--', process.execPath, 'child.cjs'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, CB_SRC_PLAIN: VALUE, TWIN, XDG_RUNTIME_DIR: join(base, 'run'), FORCE_COLOR: '0' },
      maxBuffer: 16 * 1024 * 1024,
    });
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('redacts each vector, keeps each twin, and leaves the sentinel nowhere', () => {
    expect(run.status).toBe(0);
    const stdout = String(run.stdout);
    const stderr = String(run.stderr);
    expectOutputVectors({ terminal: stdout + stderr });
    expect(
      findLeaks(
        [
          { where: 'stdout', text: stdout },
          { where: 'stderr', text: stderr },
        ],
        { PLAIN: VALUE }
      )
    ).toEqual([]);
    recordFigure('R1', 'run-pipes', { vectors: VECTORS.length });
  });
});

describe('where the runner shares the terminal, the run says so once, with the fix', () => {
  let copy: ProjectCopy;
  let vitest: NodeRun;
  let jest: NodeRun;
  let handles: NodeRun;

  beforeAll(async () => {
    // Only the twin test runs: these modes cannot scrub a child's inherited stdio, so no vector is exercised here.
    copy = copyFixture('vitest-pipes');
    vitest = await runVitest(copy, ['--pool=threads', 'tests/pipes.test.ts', '-t', 't1 twin'], {
      env: prepare(copy),
      timeoutMs: 110_000,
    });
    const jestCopy = copyJestFixture('jest-pipes');
    try {
      jest = await runJest(jestCopy, ['--workerThreads', '-w', '2', 'tests/pipes.test.js', '-t', 't1 twin'], {
        env: prepare(jestCopy),
        timeoutMs: 110_000,
      });
      handles = await runJest(jestCopy, ['--detectOpenHandles', 'tests/pipes.test.js', '-t', 't1 twin'], {
        env: prepare(jestCopy),
        timeoutMs: 110_000,
      });
    } finally {
      jestCopy.remove();
    }
  }, 330_000);

  afterAll(() => copy?.remove());

  it('Vitest threads: one warning naming the fix; the twin prints verbatim', () => {
    expect(vitest.code).toBe(0);
    const text = stripAnsi(vitest.stdout + vitest.stderr);
    expect(text.split("the 'threads' pool shares this terminal").length - 1).toBe(1);
    expect(text).toContain("Use pool: 'forks'");
    expect(text).toContain(`t1 twin: ${TWIN}`);
  });

  it('Jest workerThreads: one warning naming the fix; the twin prints verbatim', () => {
    expect(jest.code).toBe(0);
    const text = stripAnsi(jest.stdout + jest.stderr);
    expect(text.split("Jest's workerThreads share this terminal").length - 1).toBe(1);
    expect(text).toContain('Remove workerThreads');
    expect(text).toContain(`t1 twin: ${TWIN}`);
  });

  it('Jest --detectOpenHandles (tests in the main process): one warning; the twin prints verbatim', () => {
    expect(handles.code).toBe(0);
    const text = stripAnsi(handles.stdout + handles.stderr);
    expect(text.split('--detectOpenHandles runs the tests in this process').length - 1).toBe(1);
    expect(text).toContain(`t1 twin: ${TWIN}`);
  });
});
