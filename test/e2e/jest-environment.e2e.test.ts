/**
 * The Jest integration end to end: the real `jest` 30 CLI in a subprocess on copies of fixtures/projects/jest-basic,
 * with `preset: 'credential-broker'`. Every secret behind the fixture's refs is a TEST ONLY sentinel.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { recordFigure } from '../helpers/figures.js';
import { filesUnder, findLeaks, isRunning, listTree, stripAnsi } from './harness.js';
import {
  copyJestFixture,
  type JestProject,
  type JestRun,
  jestBin,
  jestEnv,
  readProbes,
  runJest,
} from './jest-harness.js';

type Assertion = { fullName: string; status: string; failureMessages: string[] };
type Results = {
  numFailedTests: number;
  numPassedTests: number;
  numPendingTests: number;
  testResults: { name: string; status: string; message: string; assertionResults: Assertion[] }[];
};

// Forces worker processes even for one file (Jest runs small or single-file suites in band otherwise).
const WORKERS = ['--workerIdleMemoryLimit=1GB', '--maxWorkers=2'];
const IN_BAND = ['--runInBand'];

const projects: JestProject[] = [];
function project(): JestProject {
  const p = copyJestFixture('jest-basic');
  projects.push(p);
  return p;
}
afterAll(() => {
  for (const p of projects) {
    p.remove();
  }
});

function sentinels(p: JestProject): Record<string, string> {
  const read = (file: string) => readFileSync(join(p.dir, 'secrets', file), 'utf8');
  return {
    CANARY_DB: read('db-url.txt'),
    CANARY_TOKEN: read('api-token.txt'),
    CANARY_KUBE: /token: (\S+)/.exec(read('kubeconfig.yaml'))?.[1] ?? 'missing',
  };
}

function results(p: JestProject): Results {
  return JSON.parse(readFileSync(join(p.outDir, 'results.json'), 'utf8')) as Results;
}

function statuses(r: Results): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of r.testResults) {
    for (const a of file.assertionResults) {
      out[a.fullName] = a.status;
    }
  }
  return out;
}

// The JSON report as written, plus every string in it unescaped (ANSI codes are JSON-escaped in the file).
function jsonText(file: string): string {
  const strings: string[] = [];
  JSON.parse(file, (_key, value: unknown) => {
    if (typeof value === 'string') {
      strings.push(value);
    }
    return value;
  });
  return [file, ...strings].join('\n');
}

const jsonArgs = (p: JestProject) => ['--json', `--outputFile=${join(p.outDir, 'results.json')}`];

describe.each([
  ['with workers', WORKERS],
  ['in band', IN_BAND],
])('preset on tests/basic, %s', (mode, args) => {
  const p = project();
  let run: JestRun;
  beforeAll(async () => {
    run = await runJest(p, ['tests/basic', ...args, ...jsonArgs(p)]);
  }, 120_000);

  test('every test passes or is skipped for egress, and the scratch root is gone', () => {
    expect(run.code, stripAnsi(run.stderr)).toBe(0);
    expect(statuses(results(p))).toEqual({
      'before: nothing is materialised': 'passed',
      'during: env vars and 0600 files': 'passed',
      'after: env vars unset, files wiped': 'passed',
      'credentials() in a test: for that test only; child processes get it through credentials.env()': 'passed',
      'after credentials(): released': 'passed',
      'each 1 holds the token': 'passed',
      'each 2 holds the token': 'passed',
      'each 3 holds the token': 'passed',
      'after test.each: released': 'passed',
      'values at load time, in beforeAll and in the test': 'passed',
      'a second test sees the same file': 'passed',
      'reads from the database': 'pending',
      'nested writes to the database': 'pending',
      'declared: needs vault': 'pending',
      'at run time: asks for vault': 'pending',
      'a local credential still works': 'passed',
      'skipped by the user': 'pending',
      'jsdom with a file-level credential': 'passed',
      'fails once, then passes on retry': 'passed',
      'between attempts: released': 'passed',
    });
    expect(listTree(p.runtimeDir)).toEqual([]);
  });

  test('0600 files existed during their tests, in the expected process, and are gone after the run', () => {
    const probes = readProbes(p);
    expect(probes.map((r) => [r['test'], r['tokenMode'] ?? null, r['kubeMode']])).toEqual(
      expect.arrayContaining([
        ['during', '600', '600'],
        ['docblock', null, '600'],
      ])
    );
    const paths = probes.flatMap((r) => [r['tokenFile'], r['kube']]).filter((x): x is string => typeof x === 'string');
    expect(paths.length).toBe(3);
    expect(paths.filter((path) => existsSync(path))).toEqual([]);
    // The preset's runner runs every file in a child process, in band too (one worker), so that what the test's
    // process tree writes to fd 1 and 2 is read and scrubbed by the main process (issue 11).
    expect(probes.some((r) => r['pid'] === run.pid)).toBe(false);
    if (mode === 'in band') {
      expect(new Set(probes.map((r) => r['pid'])).size).toBe(1);
    }
  });

  test('prints why tests were skipped, per file and grouped by credential', () => {
    const stderr = stripAnsi(run.stderr);
    const reason = 'VAULT_DB needs vault:secret/db#url (https://vault.internal:8200, self-hosted)';
    expect(stderr).toContain(`credential-broker: 2 tests skipped in tests/basic/egress.test.js
  ○ reads from the database — ${reason}
  ○ nested writes to the database — ${reason}`);
    expect(stderr).toContain(`credential-broker: 2 tests skipped in tests/basic/mixed.test.js
  ○ declared: needs vault — ${reason}
  ○ at run time: asks for vault — ${reason}`);
    expect(stderr).toContain(`credential-broker: 4 tests skipped because egress is disabled
  ${reason} — 4 tests`);
    expect(stderr).toContain('Set CREDENTIAL_BROKER_EGRESS=1 to resolve network credentials and run these tests.');
  });

  test('jest-junit: a broker skip says why in <skipped message>, a test.skip keeps its bare <skipped/>', () => {
    const xml = readFileSync(join(p.outDir, 'junit.xml'), 'utf8');
    const reason =
      'credential-broker: VAULT_DB needs vault:secret/db#url (https://vault.internal:8200, self-hosted) but egress is disabled; set CREDENTIAL_BROKER_EGRESS=1 to resolve it';
    // jest-junit's default templates are "{classname} {title}": a top-level test's names start with a space.
    const skippedCase = (name: string) =>
      new RegExp(`<testcase classname=" ?${name}" name=" ?${name}"[^>]*>\\s*(<skipped[^>]*/>)`).exec(xml)?.[1];
    for (const name of ['reads from the database', 'nested writes to the database', 'declared: needs vault']) {
      expect(skippedCase(name), name).toBe(`<skipped message="${reason}"/>`);
    }
    expect(skippedCase('at run time: asks for vault')).toBe(`<skipped message="${reason}"/>`);
    expect(skippedCase('skipped by the user')).toBe('<skipped/>');
  });

  test('resolves each credential once and never the network one; prints no value', () => {
    const stats = JSON.parse(readFileSync(join(p.outDir, 'stats.json'), 'utf8')) as { resolved: string[] };
    expect(stats.resolved).toEqual(['CANARY_DB', 'CANARY_KUBE', 'CANARY_TOKEN', 'INLINE_TOKEN']);
    const texts = [
      { where: 'stdout', text: run.stdout },
      { where: 'stderr', text: run.stderr },
      ...filesUnder(p.outDir).map((f) => ({ where: f.path, text: f.text })),
    ];
    expect(findLeaks(texts, sentinels(p))).toEqual([]);
  });
});

describe('a filtered run', () => {
  test('resolves only what the selected tests need (path and -t filters)', async () => {
    const p = project();
    const byPath = await runJest(p, ['tests/basic/docblock.test.js', 'tests/basic/egress.test.js']);
    expect(byPath.code, stripAnsi(byPath.stderr)).toBe(0);
    const stats = () => JSON.parse(readFileSync(join(p.outDir, 'stats.json'), 'utf8')) as { resolved: string[] };
    expect(stats().resolved).toEqual(['CANARY_DB', 'CANARY_KUBE', 'INLINE_TOKEN']);
    // The tagged tests that -t leaves out resolve nothing: only the selected test's credentials() call does.
    const byName = await runJest(p, ['tests/basic/lifecycle.test.js', '-t', 'credentials\\(\\) in a test']);
    expect(byName.code, stripAnsi(byName.stderr)).toBe(0);
    expect(stats().resolved).toEqual(['CANARY_DB']);
    expect(listTree(p.runtimeDir)).toEqual([]);
  }, 120_000);
});

describe('without our reporter (--reporters=default)', () => {
  test('each skip reason still reaches stderr, one line per test, with no summary', async () => {
    const p = project();
    const run = await runJest(p, ['tests/basic/egress.test.js', 'tests/basic/mixed.test.js', '--reporters=default']);
    expect(run.code, stripAnsi(run.stderr)).toBe(0);
    const reason =
      'VAULT_DB needs vault:secret/db#url (https://vault.internal:8200, self-hosted) but egress is disabled; set CREDENTIAL_BROKER_EGRESS=1 to resolve it';
    const stderr = stripAnsi(run.stderr);
    for (const [test, file] of [
      ['reads from the database', 'egress'],
      ['nested writes to the database', 'egress'],
      ['declared: needs vault', 'mixed'],
      ['at run time: asks for vault', 'mixed'],
    ]) {
      expect(stderr).toContain(`credential-broker: skipped "${test}" in tests/basic/${file}.test.js: ${reason}\n`);
    }
    expect(stderr).not.toContain('tests skipped because egress is disabled');
  }, 60_000);
});

describe('a bad docblock', () => {
  test('stops the run in global setup, naming the file, before any test runs', async () => {
    const p = project();
    const run = await runJest(p, ['tests/bad']);
    expect(run.code).toBe(1);
    expect(stripAnsi(run.stderr)).toContain('plan: bad @credentials docblocks:\n  - ');
    expect(stripAnsi(run.stderr)).toContain(
      `  - plan "${join(p.dir, 'tests/bad/unknown.test.js')}:4": @credentials names NOT_IN_THE_CONFIG, which the config does not declare. Add NOT_IN_THE_CONFIG to "credentials" in credential-broker.config, or declare it inline as NOT_IN_THE_CONFIG=<ref>`
    );
    // A docblock after a licence header would be ignored by Jest and the broker alike: named, not silently skipped.
    expect(stripAnsi(run.stderr)).toContain(
      `  - ${join(p.dir, 'tests/bad/misplaced.test.js')}:4: this @credentials line is not in the docblock at the very start of the file`
    );
    // A value pasted where a name belongs: the file and line, never the value.
    expect(stripAnsi(run.stderr)).toContain(
      `  - plan "${join(p.dir, 'tests/bad/pasted.test.js')}:5": @credentials lists an entry that looks like a secret value, not a credential name (not shown here)`
    );
    expect(run.stdout + run.stderr).not.toContain('pasted9fK2xQ7LmZ4tR8wB3nV6hJ');
    // The message alone: no stack of the broker's bundle.
    expect(stripAnsi(run.stderr)).not.toMatch(/^\s+at /m);
    expect(readProbes(p)).toEqual([]);
    expect(listTree(p.runtimeDir)).toEqual([]);
  }, 60_000);
});

/**
 * Leak vectors. Each names a test in tests/leaks/ that puts CANARY_* values into one output channel, and the
 * redacted text the run must show there instead (so a vector that stopped leaking cannot pass silently).
 */
const VECTORS: readonly {
  readonly vector: string;
  readonly where: 'out' | 'json' | 'junit' | 'snap' | 'source';
  readonly shows: string;
}[] = [
  {
    vector: 'test title (test.each), results and snapshot key',
    where: 'json',
    shows: 'title carries [redacted:CANARY_DB]',
  },
  { vector: 'describe title (describe.each)', where: 'junit', shows: 'describe title carries [redacted:CANARY_DB]' },
  { vector: 'console.log', where: 'out', shows: 'vector:console.log [redacted:CANARY_DB]' },
  {
    vector: 'console.error of an object (util.inspect)',
    where: 'out',
    shows: "vector:console.error { url: '[redacted:CANARY_DB]' }",
  },
  { vector: 'console.warn of base64', where: 'out', shows: 'vector:base64 [redacted:CANARY_DB]' },
  { vector: 'console.info of hex', where: 'out', shows: 'vector:hex [redacted:CANARY_DB]' },
  {
    vector: 'URL-encoded and JSON-encoded',
    where: 'out',
    shows: 'vector:encoded [redacted:CANARY_DB] {"DB":"[redacted:CANARY_DB]"}',
  },
  { vector: 'console.table', where: 'out', shows: "'[redacted:CANARY_DB]'" },
  // Printed whole, a kubeconfig keeps its structure; only the token is redacted (issue 12).
  { vector: 'multi-line file content (kubeconfig)', where: 'out', shows: 'token: [redacted:CANARY_KUBE]' },
  { vector: 'multi-line file content (kubeconfig structure)', where: 'out', shows: 'vector:kubeconfig apiVersion: v1' },
  { vector: 'raw process.stdout.write', where: 'out', shows: 'vector:stdout [redacted:CANARY_DB]' },
  { vector: 'raw process.stderr.write', where: 'out', shows: 'vector:stderr [redacted:CANARY_DB]' },
  { vector: 'stdout write split in two chunks', where: 'out', shows: 'vector:split [redacted:CANARY_DB]' },
  { vector: 'toBe diff (ANSI-coloured)', where: 'json', shows: 'Received: "[redacted:CANARY_DB]"' },
  { vector: 'toEqual object diff', where: 'junit', shows: '&quot;url&quot;: &quot;[redacted:CANARY_DB]&quot;' },
  { vector: 'thrown error message', where: 'json', shows: 'cannot connect to [redacted:CANARY_DB]' },
  { vector: 'error cause', where: 'out', shows: 'cause: [redacted:CANARY_DB]' },
  {
    vector: 'error custom property (failureDetails)',
    where: 'json',
    shows: '"connectionString":"[redacted:CANARY_DB]"',
  },
  { vector: 'toThrow mismatch', where: 'out', shows: 'Received message:   "thrown: [redacted:CANARY_DB]"' },
  { vector: 'rejected promise', where: 'junit', shows: 'rejected: [redacted:CANARY_DB]' },
  { vector: '.snap file', where: 'snap', shows: '"url": "[redacted:CANARY_DB]"' },
  {
    vector: 'snapshot key from toMatchSnapshot(hint)',
    where: 'snap',
    shows: 'exports[`snapshot key from a hint: hint [redacted:CANARY_DB] 1`]',
  },
  {
    vector: 'inline snapshot written into the test file',
    where: 'source',
    shows: 'toMatchInlineSnapshot(`"[redacted:CANARY_DB]"`)',
  },
  {
    vector: 'inline snapshot of a React child, a Symbol, a class name (printed without a serializer)',
    where: 'source',
    shows: '"symbol": Symbol([redacted:CANARY_DB]),',
  },
  { vector: 'beforeAll hook error', where: 'json', shows: 'beforeAll: [redacted:CANARY_DB]' },
  { vector: 'afterAll hook error (unhandled)', where: 'out', shows: 'afterAll: [redacted:CANARY_DB]' },
  {
    vector: 'error thrown while the file loads',
    where: 'json',
    shows: 'vector:load-error token [redacted:CANARY_TOKEN]',
  },
  { vector: 'JUnit console output', where: 'junit', shows: 'vector:console.log [redacted:CANARY_DB]' },
];

describe.each([
  ['with workers, coloured output, JUnit', [...WORKERS, 'tests/leaks'], { FORCE_COLOR: '1' }],
  [
    'in band, one file (Jest switches to its immediate verbose console)',
    [...IN_BAND, 'tests/leaks/vectors.test.js'],
    {},
  ],
])('leaks: %s', (_mode, args, env) => {
  const p = project();
  let run: JestRun;
  beforeAll(async () => {
    run = await runJest(p, [...args, '--ci=false', ...jsonArgs(p)], { env });
  }, 120_000);

  test(`no form of any sentinel anywhere, over ${VECTORS.length} vectors`, () => {
    expect(VECTORS.length).toBeGreaterThanOrEqual(15);
    const texts = [
      { where: 'stdout', text: run.stdout },
      { where: 'stderr', text: run.stderr },
      // The project (snapshots, rewritten test file, junit if misplaced), reports, Jest's cache, the scratch base.
      ...filesUnder(p.dir)
        .filter((f) => !f.path.includes(`${join(p.dir, 'secrets')}`))
        .map((f) => ({ where: f.path, text: f.text })),
      ...filesUnder(p.outDir).map((f) => ({ where: f.path, text: f.text })),
      ...filesUnder(p.runtimeDir).map((f) => ({ where: f.path, text: f.text })),
    ];
    expect(findLeaks(texts, sentinels(p))).toEqual([]);
    expect(listTree(p.runtimeDir)).toEqual([]);
    recordFigure('R1', 'jest', { vectors: VECTORS.length });
  });

  test.each(VECTORS)('$vector: redacted in $where', ({ where, shows }) => {
    const oneFile = !args.includes('tests/leaks');
    if (oneFile && shows.includes('load-error')) {
      return;
    }
    const text = {
      out: stripAnsi(run.stdout + run.stderr),
      json: jsonText(readFileSync(join(p.outDir, 'results.json'), 'utf8')),
      junit: readFileSync(join(p.outDir, 'junit.xml'), 'utf8'),
      snap: readFileSync(join(p.dir, 'tests/leaks/__snapshots__/vectors.test.js.snap'), 'utf8'),
      source: readFileSync(join(p.dir, 'tests/leaks/vectors.test.js'), 'utf8'),
    }[where];
    expect(stripAnsi(text)).toContain(shows);
  });
});

describe('crashes', () => {
  test('a worker that calls process.exit mid-test leaves no file behind, on every retry', async () => {
    const p = project();
    const run = await runJest(p, [...WORKERS, 'tests/crash/exit.test.js']);
    expect(run.code).toBe(1);
    expect(stripAnsi(run.stderr)).toContain('process.exit called with "3"');
    const probes = readProbes(p).filter((r) => r['test'] === 'exit');
    // Jest re-runs the file in a fresh worker after each crash.
    expect(probes.length).toBeGreaterThanOrEqual(2);
    expect(probes.map((r) => [r['tokenMode'], r['kubeMode'], r['earlierLeft']])).toEqual(
      probes.map(() => ['600', '600', 0])
    );
    expect(new Set(probes.map((r) => r['pid'])).size).toBe(probes.length);
    const paths = probes.flatMap((r) => [r['tokenFile'], r['kube']]) as string[];
    expect(paths.filter((path) => existsSync(path))).toEqual([]);
    expect(listTree(p.runtimeDir)).toEqual([]);
  }, 120_000);

  test("SIGTERM to Jest's main process alone: the worker holding a credential exits with it", async () => {
    const p = project();
    const child = spawn(process.execPath, [jestBin, ...WORKERS, 'tests/crash/hang.test.js'], {
      cwd: p.dir,
      env: jestEnv(p),
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 60_000;
    while (readProbes(p).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const worker = readProbes(p)[0]?.['pid'] as number;
    expect(isRunning(worker)).toBe(true);
    child.kill('SIGTERM');
    await exited;
    // The test waits 60 s: a worker still there after a few seconds outlived its runner with the value.
    for (let i = 0; i < 100 && isRunning(worker); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(isRunning(worker)).toBe(false);
    expect(listTree(p.runtimeDir)).toEqual([]);
  }, 120_000);

  test('SIGINT to the whole run wipes the scratch root and the run still dies of the signal', async () => {
    const p = project();
    const child = spawn(process.execPath, [jestBin, ...WORKERS, 'tests/crash/hang.test.js'], {
      cwd: p.dir,
      env: jestEnv(p),
      stdio: 'ignore',
      detached: true,
    });
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (code, signal) => resolve([code, signal]))
    );
    const deadline = Date.now() + 60_000;
    while (readProbes(p).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [probe] = readProbes(p);
    expect(probe?.['tokenMode']).toBe('600');
    process.kill(-(child.pid as number), 'SIGINT');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGINT' });
    expect(existsSync(probe?.['tokenFile'] as string)).toBe(false);
    expect(listTree(p.runtimeDir)).toEqual([]);
  }, 120_000);
});
