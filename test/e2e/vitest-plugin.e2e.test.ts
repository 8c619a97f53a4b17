/**
 * credentialBroker() under the real Vitest CLI (node_modules/vitest), on copies of fixtures/projects/vitest-basic.
 * Few runs, many assertions each: a full run (forks, isolate, egress off, colours on), the pool × isolate matrix,
 * a filtered run with egress on, and the main process killed by SIGINT / SIGTERM.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordFigure } from '../helpers/figures.js';
import { isRunning, listTree, stripAnsi } from './harness.js';
import { copyFixture, type FixtureCopy, type RunResult, runVitest } from './vitest-harness.js';

const SECRET = readFileSync(
  join(import.meta.dirname, '../../fixtures/projects/vitest-basic/secrets/db-url.txt'),
  'utf8'
);
const REDACTED = '[redacted:CANARY_DB]';
// The value and the forms a careless test could print it in; none may appear anywhere after a run.
const FORBIDDEN = {
  value: SECRET,
  'distinctive part': 'BROKER_CANARY_7f3a9c2e51d4',
  base64: Buffer.from(SECRET).toString('base64'),
  'URL-encoded': encodeURIComponent(SECRET),
  hex: Buffer.from(SECRET).toString('hex'),
};

interface Report {
  readonly testResults: readonly {
    readonly name: string;
    readonly assertionResults: readonly {
      readonly title: string;
      readonly fullName: string;
      readonly status: string;
      readonly failureMessages: readonly string[] | null;
      readonly meta: Record<string, unknown>;
    }[];
  }[];
}

type Assertion = Report['testResults'][number]['assertionResults'][number];

function tests(report: Report, file: string): Map<string, Assertion> {
  const module = report.testResults.find((r) => r.name.endsWith(`/tests/${file}`));
  return new Map((module?.assertionResults ?? []).map((a) => [a.title, a]));
}

function probedFiles(copy: FixtureCopy): string[] {
  const probe = join(copy.outDir, 'probe.txt');
  return existsSync(probe) ? readFileSync(probe, 'utf8').split('\n').filter(Boolean) : [];
}

function expectNoScratchLeft(copy: FixtureCopy): void {
  expect(listTree(copy.runtimeDir)).toEqual([]);
  const seen = probedFiles(copy);
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.filter((path) => existsSync(path))).toEqual([]);
}

function probeEnv(copy: FixtureCopy): Record<string, string> {
  return { BROKER_E2E_PROBE: join(copy.outDir, 'probe.txt'), BROKER_E2E_STATS: join(copy.outDir, 'stats.json') };
}

const copies: FixtureCopy[] = [];
function copy(): FixtureCopy {
  const made = copyFixture('vitest-basic');
  copies.push(made);
  return made;
}
afterAll(() => {
  for (const made of copies) {
    made.remove();
  }
});

describe('a full run: forks, isolate, egress off, colours on, default + JSON + JUnit reporters', () => {
  let project: FixtureCopy;
  let run: RunResult;
  let stdout: string;
  let stderr: string;
  let report: Report;
  let junit: string;

  beforeAll(async () => {
    project = copy();
    run = await runVitest(
      project,
      [
        '--update=new',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${join(project.outDir, 'report.json')}`,
        '--reporter=junit',
        `--outputFile.junit=${join(project.outDir, 'junit.xml')}`,
      ],
      { env: { ...probeEnv(project), FORCE_COLOR: '1' } }
    );
    stdout = stripAnsi(run.stdout);
    stderr = stripAnsi(run.stderr);
    report = JSON.parse(readFileSync(join(project.outDir, 'report.json'), 'utf8')) as Report;
    junit = readFileSync(join(project.outDir, 'junit.xml'), 'utf8');
  });

  it('runs the real CLI to the end (the leak, load-error and failure files fail on purpose)', () => {
    expect(run.signal).toBeNull();
    expect(run.code).toBe(1);
    expect(stdout).toContain('Test Files  3 failed | 3 passed | 1 skipped (7)');
  });

  it('materialises for exactly one test: docblock, fixture, withCredentials, describe meta, tag meta, retry, concurrent', () => {
    const statuses = (file: string) => Object.fromEntries([...tests(report, file)].map(([t, a]) => [t, a.status]));
    expect(statuses('docblock.test.ts')).toEqual({
      'are set for the test: env var and 0600 file': 'passed',
      'are set again, in a fresh file, for the next test': 'passed',
      'an inline NAME=ref entry works like a config name': 'passed',
    });
    expect(statuses('fixture.test.ts')).toEqual({
      'credentials() returns values, sets env vars and writes 0600 files for this test': 'passed',
      'only db': 'passed',
      'withCredentials() sets them before the test, without the fixture': 'passed',
      'inherits them': 'passed',
      'a tag with meta.credentials declares them': 'passed',
      'a retried test gets a fresh lease per attempt': 'passed',
      'one: values and files from the fixture, env untouched': 'passed',
      'two: values and files from the fixture, env untouched': 'passed',
      'needs the network: skipped when egress is off (fixture)': 'skipped',
      'needs the network: skipped when egress is off (withCredentials)': 'skipped',
    });
  });

  it('wipes after a timeout, refuses env credentials in a concurrent test, rejects undeclared names', () => {
    const failures = tests(report, 'failures.test.ts');
    expect(failures.get('times out while holding credentials')?.status).toBe('failed');
    expect(failures.get('after a timeout, env and files are gone')?.status).toBe('passed');
    expect(failures.get('times out, then its body asks for credentials')?.status).toBe('failed');
    expect(failures.get('a body that asks after its test ended gets an error, and no env var leaks')?.status).toBe(
      'passed'
    );
    expect(failures.get('refuses env credentials in a concurrent test')?.failureMessages?.[0]?.split('\n')[0]).toBe(
      `BrokerError: vitest: materialise: "refuses env credentials in a concurrent test" runs concurrently and declares CANARY_DB (docblock or meta.credentials), which are set as env vars; concurrent tests share one process.env, so one test's values would reach the others. Take the values from the fixture instead (const { NAME } = await credentials('NAME')), which works in concurrent tests, or run this test sequentially`
    );
    expect(failures.get('rejects a name the config does not declare')?.failureMessages?.[0]?.split('\n')[0]).toBe(
      `BrokerError: acquire "${project.dir}/tests/failures.test.ts": NOT_DECLARED is declared neither in the config nor in the file's @credentials docblock. Declare NOT_DECLARED in the file's @credentials docblock or under "credentials" in credential-broker.config`
    );
  });

  const reason =
    'credential-broker: VAULT_DB needs vault:secret/db#url (https://vault.internal:8200, self-hosted) but egress is disabled; set CREDENTIAL_BROKER_EGRESS=1 to resolve it';

  it('announces egress off in one line before the tests', () => {
    const line =
      'credential-broker: egress disabled — 1 network credential (VAULT_DB) will not be resolved; tests that need them are skipped. Set CREDENTIAL_BROKER_EGRESS=1 to run them';
    expect(stdout).toContain(line);
    expect(stdout.indexOf(line)).toBeLessThan(stdout.indexOf('tests/docblock.test.ts'));
  });

  it('shows the skip reason in the default reporter: a summary grouped by missing credential', () => {
    expect(stdout).toContain(
      [
        'credential-broker: 3 tests skipped for missing credentials',
        '  VAULT_DB needs vault:secret/db#url (https://vault.internal:8200, self-hosted) but egress is disabled — 3 tests',
        '    ↓ tests/egress-docblock.test.ts > a docblock network credential: skipped when egress is off',
        '    ↓ tests/fixture.test.ts > needs the network: skipped when egress is off (fixture)',
        '    ↓ tests/fixture.test.ts > needs the network: skipped when egress is off (withCredentials)',
        '  Set CREDENTIAL_BROKER_EGRESS=1 (or credentialBroker({ egress: true })) to resolve them and run these tests.',
      ].join('\n')
    );
  });

  it('puts the skip reason in the JSON report (meta) and the JUnit report (properties)', () => {
    const skipped = tests(report, 'egress-docblock.test.ts').get(
      'a docblock network credential: skipped when egress is off'
    );
    expect(skipped?.status).toBe('skipped');
    expect(skipped?.meta).toEqual({
      credentialSkip: reason,
      credentialsMissing: [{ name: 'VAULT_DB', reason }],
    });
    const property = `<property name="credential-broker" value="${reason}">`;
    expect(junit.split(property).length - 1).toBe(3);
    // The reporter writes a bare <skipped/>; the plugin adds the reason after the run.
    expect(junit.split(`<skipped message="${reason}"/>`).length - 1).toBe(3);
  });

  it('fetches each credential once for the whole run, across files and workers', () => {
    expect(JSON.parse(readFileSync(join(project.outDir, 'stats.json'), 'utf8'))).toEqual({
      fetches: 4,
      resolved: ['CANARY_DB', 'CANARY_INLINE', 'CANARY_KUBE', 'CANARY_TOKEN'],
    });
  });

  it('leaves no scratch directory and none of the files the tests saw', () => {
    expectNoScratchLeft(project);
  });

  // Each vector of tests/leaks.test.ts, and where its redacted form shows that it ran and was scrubbed there.
  const vectors: readonly (readonly [vector: string, where: string, shows: (out: Outputs) => string])[] = [
    ['01 console.log', 'value: [redacted:CANARY_DB]', (o) => o.stdout],
    ['01 console.log → JUnit <system-out>', 'value: [redacted:CANARY_DB]', (o) => o.junit],
    ['02 console.error', 'value: [redacted:CANARY_DB]', (o) => o.stderr],
    ['03 nested object (util.inspect)', "url: '[redacted:CANARY_DB]'", (o) => o.stdout],
    ['04 raw process.stdout.write', 'raw stdout [redacted:CANARY_DB]', (o) => o.stdout],
    ['05 raw process.stderr.write (Buffer)', 'raw stderr [redacted:CANARY_DB]', (o) => o.stderr],
    ['06 toBe message + diff', "expected '[redacted:CANARY_DB]' to be", (o) => o.json],
    ['07 toEqual diff', "expected { url: '[redacted:CANARY_DB]', pool: 4 }", (o) => o.json],
    ['08 past chai truncation', 'forty characters [redacted:CANARY_DB] and a suffix', (o) => o.json],
    ['09 thrown message', 'connect failed for [redacted:CANARY_DB]', (o) => o.json],
    ['10 error cause', 'Caused by: Error: inner [redacted:CANARY_DB]', (o) => o.stderr],
    ['12 thrown string', 'Unknown Error: [redacted:CANARY_DB]', (o) => o.stderr],
    ['13 annotation → JUnit', 'value="annotated [redacted:CANARY_DB]"', (o) => o.junit],
    ['14 task.meta → JSON', '"leak":"[redacted:CANARY_DB]"', (o) => o.json],
    ['15 .snap', '"url": "[redacted:CANARY_DB]"', (o) => o.snap],
    ['16 inline snapshot', 'toMatchInlineSnapshot(`"[redacted:CANARY_DB]"`)', (o) => o.source],
    ['17 base64 and URL-encoded', 'b64 [redacted:CANARY_DB] url [redacted:CANARY_DB]', (o) => o.stdout],
    ['18 JSON.stringify', '{"db":"[redacted:CANARY_DB]"}', (o) => o.stdout],
    ['19 expect.soft', "expected '[redacted:CANARY_DB]' to contain 'nope'", (o) => o.json],
    ['20 unhandled rejection', 'rejected [redacted:CANARY_DB]', (o) => o.stderr],
    ['21 uncaught exception', 'uncaught [redacted:CANARY_DB]', (o) => o.stderr],
    ['22 child process on the inherited pipe', 'child [redacted:CANARY_DB]', (o) => o.stdout],
    ['23 ANSI-coloured characters', '\x1b[31m[redacted:CANARY_DB]', (o) => o.rawStdout],
    ['24 afterEach hook error', 'afterEach hook failed with [redacted:CANARY_DB]', (o) => o.json],
    ['25 .snap past the serializer (audit)', '`[redacted:CANARY_DB]`;', (o) => o.snap],
    ['27 afterAll hook error', 'afterAll hook failed with [redacted:CANARY_DB]', (o) => o.stderr],
    ['28 module-load error', 'module failed to load with [redacted:CANARY_DB]', (o) => o.stderr],
    ['28 module-load error → JSON', 'module failed to load with [redacted:CANARY_DB]', (o) => o.json],
    ['29 toMatchFileSnapshot', 'file snapshot [redacted:CANARY_DB]', (o) => o.fileSnapshot],
    ['30 inline snapshot of a React child, a Symbol, a class name', 'Symbol([redacted:CANARY_DB])', (o) => o.source],
  ];

  interface Outputs {
    readonly stdout: string;
    readonly rawStdout: string;
    readonly stderr: string;
    readonly json: string;
    readonly junit: string;
    readonly snap: string;
    readonly source: string;
    readonly fileSnapshot: string;
  }

  function outputs(): Outputs {
    return {
      stdout,
      rawStdout: run.stdout,
      stderr,
      json: readFileSync(join(project.outDir, 'report.json'), 'utf8'),
      junit,
      snap: readFileSync(join(project.dir, 'tests/__snapshots__/leaks.test.ts.snap'), 'utf8'),
      source: readFileSync(join(project.dir, 'tests/leaks.test.ts'), 'utf8'),
      fileSnapshot: readFileSync(join(project.dir, 'tests/__snapshots__/leaks.file-snapshot.txt'), 'utf8'),
    };
  }

  it.each(vectors)('leak vector %s: scrubbed where it lands', (_vector, shows, where) => {
    expect(shows).toContain(REDACTED);
    expect(where(outputs())).toContain(shows);
  });

  it('fails the run naming file, line and credential when a written snapshot held a value (vectors 25, 26)', () => {
    expect(stderr).toContain('credential-broker: 2 file(s) written by this run hold a credential value; the run fails');
    expect(stderr).toMatch(
      /tests\/__snapshots__\/leaks\.test\.ts\.snap:\d+: CANARY_DB \(the file is new: the value was replaced by its redaction label\)/
    );
    // The test source is the user's: the broker names the line its serializer wrote and never rewrites the file.
    const line =
      outputs()
        .source.split('\n')
        .findIndex((l) => l.includes(SECRET)) + 1;
    expect(line).toBeGreaterThan(0);
    expect(stderr).toContain(
      `tests/leaks.test.ts:${line}: CANARY_DB (written into an existing file, which the broker does not rewrite: revert that change)`
    );
  });

  it(`leaves the value in none of stdout, stderr, the reports, the snapshots, the sources (${vectors.length} vectors)`, () => {
    const places: Record<string, string> = {
      stdout: run.stdout,
      'stdout without ANSI': stdout,
      stderr: run.stderr,
      'stderr without ANSI': stderr,
      'JSON report': readFileSync(join(project.outDir, 'report.json'), 'utf8'),
      'JUnit report': junit,
    };
    for (const file of listTree(join(project.dir, 'tests'))) {
      const path = join(project.dir, 'tests', file);
      // leaks.test.ts holds what vector 26's own serializer wrote: reported above, never rewritten by the broker.
      if (!file.endsWith('__snapshots__') && file !== 'leaks.test.ts') {
        places[`tests/${file}`] = readFileSync(path, 'utf8');
      }
    }
    const found = Object.entries(places).flatMap(([place, text]) =>
      Object.entries(FORBIDDEN).flatMap(([form, needle]) => (text.includes(needle) ? [`${form} in ${place}`] : []))
    );
    expect(found).toEqual([]);
    expect(Object.keys(places)).toContain('tests/__snapshots__/leaks.test.ts.snap');
    // Vector 26's serializer wrote the value once into the source, on the line the audit names; nowhere else.
    expect(outputs().source.split(SECRET).length - 1).toBe(1);
    expect(Object.keys(places)).toContain('tests/__snapshots__/leaks.file-snapshot.txt');
    recordFigure('R1', 'vitest', { vectors: new Set(vectors.map(([vector]) => vector.slice(0, 2))).size });
  });
});

describe('pools and isolation', () => {
  it.each([
    ['threads', false],
    ['forks', false],
    ['threads', true],
    // The setup file runs in a vm context of Vitest's there: the runtime is imported into it, not compiled outside.
    ['vmForks', true],
  ])(
    'pool %s, isolate %s: same results, nothing left behind',
    async (pool, isolate) => {
      const project = copy();
      const files = ['tests/docblock.test.ts', 'tests/fixture.test.ts', 'tests/egress-docblock.test.ts'];
      const run = await runVitest(project, [...files, `--pool=${pool}`, isolate ? '--isolate' : '--no-isolate'], {
        env: probeEnv(project),
      });
      // Threads share the terminal, where a child's inherited stdio cannot be scrubbed: said once (issue 11). A vm
      // pool sets the broker up for a worker's first file only: said once too (docs/vitest.md, Limits).
      const warnings: Record<string, RegExp> = {
        threads: /^credential-broker: WARNING: the 'threads' pool shares this terminal[^\n]*\n$/,
        vmForks:
          /^credential-broker: WARNING: the 'vmForks' pool is not supported: [^\n]*WITHOUT their credentials[^\n]*\n$/,
      };
      expect({ code: run.code, stderr: stripAnsi(run.stderr) }).toEqual({
        code: 0,
        stderr: pool in warnings ? expect.stringMatching(warnings[pool]!) : '',
      });
      expect(stripAnsi(run.stdout)).toContain('Tests  11 passed | 3 skipped (14)');
      expect(stripAnsi(run.stdout)).toContain('credential-broker: 3 tests skipped for missing credentials');
      expectNoScratchLeft(project);
    },
    // A whole Vitest run per row: generous under load (the machine is shared), never a timing assertion.
    120_000
  );
});

describe('test.projects', () => {
  it('with extends: true runs each inline project under the plugin; without it, the run says which project lacks it', async () => {
    const project = copy();
    const config = (extend: boolean) =>
      [
        "import { credentialBroker } from 'credential-broker/vitest';",
        "import { defineConfig } from 'vitest/config';",
        'export default defineConfig({',
        '  plugins: [credentialBroker()],',
        `  test: { projects: [{ ${extend ? 'extends: true, ' : ''}test: { name: 'api', include: ['tests/docblock.test.ts'] } }] },`,
        '});',
        '',
      ].join('\n');
    writeFileSync(join(project.dir, 'vitest.extends.config.ts'), config(true));
    writeFileSync(join(project.dir, 'vitest.bare-project.config.ts'), config(false));
    const extended = await runVitest(project, ['--config', 'vitest.extends.config.ts'], { env: probeEnv(project) });
    expect({ code: extended.code, stderr: stripAnsi(extended.stderr) }).toEqual({ code: 0, stderr: '' });
    const bare = await runVitest(project, ['--config', 'vitest.bare-project.config.ts'], { env: probeEnv(project) });
    expect(stripAnsi(bare.stderr)).toContain(
      "credential-broker: WARNING: inline project 'api' of test.projects does not inherit the plugin"
    );
    expectNoScratchLeft(project);
  }, 120_000);
});

describe('a filtered run with egress on', () => {
  it('prints the manifest first, resolves only what the selected tests need, fails on a leaked .snap', async () => {
    const project = copy();
    const run = await runVitest(
      project,
      ['tests/fixture.test.ts', 'tests/leaks.test.ts', '-t', 'only db|^25 ', '--update=new'],
      { env: { ...probeEnv(project), CREDENTIAL_BROKER_EGRESS: '1', COLUMNS: '200' } }
    );
    const stdout = stripAnsi(run.stdout);
    const header = 'credential-broker manifest — egress ENABLED (env)';
    expect(stdout).toContain(header);
    expect(stdout).toContain(
      '4 credentials: 4 to resolve, 0 skipped · 🔒 3 local, 🏠 1 self-hosted, ☁️ 0 managed-cloud'
    );
    expect(stdout.indexOf(header)).toBeLessThan(stdout.indexOf('tests/'));
    expect(stdout).toContain('Tests  2 passed | 36 skipped (38)');
    expect(JSON.parse(readFileSync(join(project.outDir, 'stats.json'), 'utf8'))).toEqual({
      fetches: 1,
      resolved: ['CANARY_DB'],
    });
    // Every selected test passed: the exit code is the audit's.
    expect(run.code).toBe(1);
    expect(stripAnsi(run.stderr)).toContain(
      'credential-broker: 1 file(s) written by this run hold a credential value; the run fails'
    );
    expect(stripAnsi(run.stderr)).toMatch(
      /tests\/__snapshots__\/leaks\.test\.ts\.snap:\d+: CANARY_DB \(the file is new/
    );
    expect(listTree(project.runtimeDir)).toEqual([]);
  });
});

describe('crash safety', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s to the Vitest main process mid-test leaves no scratch dir',
    async (signal) => {
      const project = copy();
      const probe = join(project.outDir, 'probe.txt');
      let child: ChildProcess | undefined;
      const running = runVitest(project, ['tests/hang.test.ts'], {
        env: { ...probeEnv(project), BROKER_E2E_HANG: '1' },
        onSpawn: (spawned) => {
          child = spawned;
        },
      });
      // The test writes its file's path once it holds the credential.
      for (let i = 0; i < 600 && !(existsSync(probe) && readFileSync(probe, 'utf8').includes('\n')); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const [held] = probedFiles(project);
      expect(held !== undefined && existsSync(held)).toBe(true);
      child?.kill(signal);
      const run = await running;
      // Vitest exits 128 + the signal number; no teardown ran, only the session's exit handler.
      expect(run.code).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(listTree(project.runtimeDir)).toEqual([]);
      expect(existsSync(held!)).toBe(false);
    }
  );
});

describe('a fork that outlives its runner', () => {
  it('exits when SIGTERM ends the Vitest main process while it holds a credential', async () => {
    const project = copy();
    const pidFile = join(project.outDir, 'fork.pid');
    let child: ChildProcess | undefined;
    const running = runVitest(project, ['tests/hang.test.ts'], {
      env: { ...probeEnv(project), BROKER_E2E_HANG: 'orphan', BROKER_E2E_PID: pidFile },
      onSpawn: (spawned) => {
        child = spawned;
      },
    });
    for (let i = 0; i < 600 && !existsSync(pidFile); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const fork = Number(readFileSync(pidFile, 'utf8'));
    expect(isRunning(fork)).toBe(true);
    child?.kill('SIGTERM');
    await running;
    // The test waits a minute: a fork still there after a few seconds outlived its runner with the value.
    for (let i = 0; i < 100 && isRunning(fork); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(isRunning(fork)).toBe(false);
    expect(listTree(project.runtimeDir)).toEqual([]);
  });
});

describe("the worker runtime's code cache", () => {
  it('is left by the first fork for the next, holds no value, and goes with the scratch root', async () => {
    const project = copyFixture('vitest-code-cache');
    copies.push(project);
    const probe = join(project.outDir, 'cache-probe.txt');
    const run = await runVitest(project, [], { env: { CACHE_PROBE: probe } });
    expect({ code: run.code, stderr: stripAnsi(run.stderr) }).toEqual({ code: 0, stderr: '' });
    const seen = readFileSync(probe, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { file: string; caches: number; held: number; shared: boolean });
    // Whichever file ran first found none; the second found the one the first fork left, and neither held the value.
    expect(
      seen.map(({ caches, held, shared }) => ({ caches, held, shared })).sort((a, b) => a.caches - b.caches)
    ).toEqual([
      { caches: 0, held: 0, shared: true },
      { caches: 1, held: 0, shared: true },
    ]);
    expect(`${run.stdout}${run.stderr}`.includes('CODE_CACHE_CANARY_')).toBe(false);
    expect(listTree(project.runtimeDir)).toEqual([]);
  }, 120_000);

  it('is not used in a vm pool, where the setup file runs in a context of its own: the runtime is imported into it', async () => {
    const project = copyFixture('vitest-code-cache');
    copies.push(project);
    const probe = join(project.outDir, 'cache-probe.txt');
    const run = await runVitest(project, ['tests/first.test.ts', '--pool=vmForks'], { env: { CACHE_PROBE: probe } });
    expect({ code: run.code, stderr: stripAnsi(run.stderr) }).toEqual({
      code: 0,
      stderr: expect.stringMatching(/^credential-broker: WARNING: the 'vmForks' pool is not supported: [^\n]*\n$/),
    });
    // Compiled outside the test's context, the runtime would keep its state on another globalThis than the test's.
    expect(JSON.parse(readFileSync(probe, 'utf8'))).toEqual({ file: 'first', caches: 0, held: 0, shared: true });
    expect(listTree(project.runtimeDir)).toEqual([]);
  }, 120_000);
});
