/**
 * Issue 19, the egress guard, with the real runners and `credential-broker run`: a test holding API_TOKEN connects with
 * fetch, http.request, net.connect and tls.connect to an allowed address (127.0.0.1, `egress.allow`), its declared
 * destination (127.0.0.3) and an undeclared one (127.0.0.2). Report mode names the test, the credential and the
 * host:port in the summary (and in Vitest's JSON `meta` and the guard report file); strict mode fails those tests and
 * the undeclared listener sees no connection at all (and, under strace, no connect(2) to it). Nothing leaves the
 * machine: the host name is tried in strict mode only, where no lookup happens.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, findLeaks, type ProjectCopy, repoRoot, runNode, stripAnsi } from './harness.js';
import { copyJestFixture, jestEnv, runJest } from './jest-harness.js';
import { copyFixture, runVitest } from './vitest-harness.js';

const SENTINEL = 'SENTINEL-guard-token-5c81e0d7a2';
const KINDS = ['fetch', 'http', 'net', 'tls'] as const;
const TIMEOUT = 240_000;
const cli = join(repoRoot, 'dist', 'cli.js');

interface Listener {
  readonly server: Server;
  readonly port: number;
  connections: number;
}

async function listen(host: string): Promise<Listener> {
  const server = createServer((_req, res) => res.end('ok'));
  const listener: Listener = { server, port: 0, connections: 0 };
  server.on('connection', () => {
    listener.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return Object.assign(listener, { port: (server.address() as AddressInfo).port });
}

let allowed: Listener;
let declared: Listener;
let undeclared: Listener;
beforeAll(async () => {
  [allowed, declared, undeclared] = await Promise.all([listen('127.0.0.1'), listen('127.0.0.3'), listen('127.0.0.2')]);
});
afterAll(async () => {
  await Promise.all([allowed, declared, undeclared].map((l) => new Promise((r) => l?.server.close(r))));
});

let copy: ProjectCopy | undefined;
afterEach(() => {
  copy?.remove();
  copy = undefined;
  for (const listener of [allowed, declared, undeclared]) {
    listener.connections = 0;
  }
});

function guardEnv(project: ProjectCopy, mode: 'report' | 'strict'): Record<string, string> {
  return {
    CB_GUARD_TOKEN: SENTINEL,
    GUARD_MODE: mode,
    GUARD_REPORT: join(project.outDir, 'guard-report.json'),
    GUARD_ALLOWED_PORT: String(allowed.port),
    GUARD_DECLARED_PORT: String(declared.port),
    GUARD_UNDECLARED_PORT: String(undeclared.port),
    NO_PROXY: '127.0.0.1,127.0.0.2,127.0.0.3,localhost',
  };
}

const undeclaredTarget = () => `127.0.0.2:${undeclared.port}`;

function guardReport(project: ProjectCopy): {
  mode: string;
  findings: { test: string; names: string[]; host: string; port?: number; refused: boolean }[];
} {
  return JSON.parse(readFileSync(join(project.outDir, 'guard-report.json'), 'utf8'));
}

function expectNoLeak(project: ProjectCopy, output: string): void {
  const texts = [
    { where: 'output', text: output },
    ...filesUnder(project.outDir).map((f) => ({ where: f.path, text: f.text })),
  ];
  expect(findLeaks(texts, { API_TOKEN: SENTINEL })).toEqual([]);
}

describe('Vitest', () => {
  it(
    'report mode: every client is watched; the summary, the JSON meta and the report name the test, credential and host',
    async () => {
      copy = copyFixture('vitest-guard');
      const json = join(copy.outDir, 'results.json');
      const run = await runVitest(copy, ['--reporter=default', '--reporter=json', `--outputFile.json=${json}`], {
        env: guardEnv(copy, 'report'),
        timeoutMs: TIMEOUT,
      });
      const output = stripAnsi(run.stdout + run.stderr);
      expect(run.code, output).toBe(0);
      for (const kind of KINDS) {
        expect(output).toContain(
          `tests/guard.test.ts > ${kind} to an undeclared address › API_TOKEN held while connecting to ${undeclaredTarget()} (not a declared destination)`
        );
      }
      // The test's Node child holds the credential in its environment: the preload judges it too.
      expect(output).toContain(
        `tests/guard.test.ts > a Node child of the test › API_TOKEN held while connecting to ${undeclaredTarget()}`
      );
      expect(output).not.toMatch(/127\.0\.0\.[13]:\d+ \(not a declared/);
      expect(undeclared.connections).toBeGreaterThanOrEqual(KINDS.length);
      expect(allowed.connections).toBeGreaterThanOrEqual(KINDS.length);
      expect(declared.connections).toBeGreaterThanOrEqual(KINDS.length);

      const results = JSON.parse(readFileSync(json, 'utf8')) as {
        testResults: { assertionResults: { title: string; meta?: { egressFindings?: string[] } }[] }[];
      };
      const meta = Object.fromEntries(
        results.testResults[0]?.assertionResults.map((a) => [a.title, a.meta?.egressFindings ?? []]) ?? []
      );
      expect(meta['net to an undeclared address']).toEqual([
        `tests/guard.test.ts > net to an undeclared address › API_TOKEN held while connecting to ${undeclaredTarget()} (not a declared destination)`,
      ]);
      expect(meta['net to the declared destination']).toEqual([]);
      expect(meta['net to an allowed address']).toEqual([]);

      const report = guardReport(copy);
      expect(report.mode).toBe('report');
      expect(report.findings.map((f) => f.test).sort()).toEqual(
        [
          ...KINDS.map((k) => `tests/guard.test.ts > ${k} to an undeclared address`),
          'tests/guard.test.ts > a Node child of the test',
          'tests/guard.test.ts > a test that swallows the refusal',
        ].sort()
      );
      expectNoLeak(copy, output);
    },
    TIMEOUT
  );

  it.each(['forks', 'threads'])(
    'strict mode (%s): undeclared connections fail their test and never reach the listener; the rest pass',
    async (pool) => {
      copy = copyFixture('vitest-guard');
      const json = join(copy.outDir, 'results.json');
      const run = await runVitest(copy, ['--reporter=default', '--reporter=json', `--outputFile.json=${json}`], {
        env: { ...guardEnv(copy, 'strict'), GUARD_POOL: pool },
        timeoutMs: TIMEOUT,
      });
      const output = stripAnsi(run.stdout + run.stderr);
      expect(run.code, output).toBe(1);
      expect(undeclared.connections).toBe(0);
      expect(declared.connections).toBeGreaterThanOrEqual(KINDS.length);
      expect(allowed.connections).toBeGreaterThanOrEqual(KINDS.length);
      const results = JSON.parse(readFileSync(json, 'utf8')) as {
        testResults: { assertionResults: { title: string; status: string }[] }[];
      };
      const failed = (results.testResults[0]?.assertionResults ?? [])
        .filter((a) => a.status === 'failed')
        .map((a) => a.title)
        .sort();
      expect(failed).toEqual(
        [
          ...KINDS.map((k) => `${k} to an undeclared address`),
          'a Node child of the test',
          'a host name is refused before any lookup',
          'a host name built from the credential is refused',
          'a test that swallows the refusal',
        ].sort()
      );
      expect(output).toContain(
        `credential-broker egress guard (strict) refused a connection to ${undeclaredTarget()}: API_TOKEN is held and ${undeclaredTarget()} is not a declared destination`
      );
      expect(output).toContain(
        'API_TOKEN held while connecting to undeclared.example.com:443 (not a declared destination) — refused'
      );
      expect(output).toContain('API_TOKEN held while connecting to [redacted:API_TOKEN].example.com:443');
      expect(output).toContain('API_TOKEN held while connecting to [redacted:API_TOKEN].example.net:443');
      for (const host of ['[redacted:API_TOKEN].example.com', '[redacted:API_TOKEN].example.net']) {
        expect(guardReport(copy).findings).toContainEqual(expect.objectContaining({ host, port: 443, refused: true }));
      }
      expectNoLeak(copy, output);
    },
    TIMEOUT
  );
  it.each(['report', 'strict'] as const)(
    '%s mode: a worker that claims in the middle of a test still judges that test',
    async (mode) => {
      copy = copyFixture('vitest-guard');
      const json = join(copy.outDir, 'results.json');
      const run = await runVitest(copy, ['--reporter=default', '--reporter=json', `--outputFile.json=${json}`], {
        // Egress on: strict mode then judges connections only while a credential is held, like report mode, so the
        // guard is installed with the claim (offline strict installs it before the file runs).
        env: { ...guardEnv(copy, mode), GUARD_LATE: '1', CREDENTIAL_BROKER_EGRESS: '1' },
        timeoutMs: TIMEOUT,
      });
      const output = stripAnsi(run.stdout + run.stderr);
      expect(run.code, output).toBe(mode === 'report' ? 0 : 1);
      const results = JSON.parse(readFileSync(json, 'utf8')) as {
        testResults: { assertionResults: { title: string; status: string; meta?: { egressFindings?: string[] } }[] }[];
      };
      const byTitle = Object.fromEntries((results.testResults[0]?.assertionResults ?? []).map((a) => [a.title, a]));
      const first = byTitle['asks for its credential in the test body, then connects to an undeclared address'];
      const later = byTitle['a later test of the same file'];
      const finding = `late/late.test.ts > asks for its credential in the test body, then connects to an undeclared address › API_TOKEN held while connecting to ${undeclaredTarget()} (not a declared destination)`;
      expect(first?.meta?.egressFindings).toEqual([mode === 'strict' ? `${finding} — refused` : finding]);
      expect(first?.status).toBe(mode === 'report' ? 'passed' : 'failed');
      // Holds nothing: its connection is no finding, in either mode.
      expect(later?.status).toBe('passed');
      expect(later?.meta?.egressFindings).toBeUndefined();
      expect(undeclared.connections).toBe(mode === 'report' ? 2 : 1);
      expectNoLeak(copy, output);
    },
    TIMEOUT
  );
});

describe('Jest', () => {
  function jestResults(project: ProjectCopy): Record<string, string> {
    const results = JSON.parse(readFileSync(join(project.outDir, 'results.json'), 'utf8')) as {
      testResults: { assertionResults: { title: string; status: string }[] }[];
    };
    return Object.fromEntries(results.testResults.flatMap((f) => f.assertionResults.map((a) => [a.title, a.status])));
  }

  it(
    'report mode names the test, the credential and the host in the summary and the report file',
    async () => {
      copy = copyJestFixture('jest-guard');
      // Two files and two workers: the guard lives in Jest's child processes.
      const run = await runJest(
        copy,
        ['--maxWorkers=2', '--json', `--outputFile=${join(copy.outDir, 'results.json')}`],
        {
          env: guardEnv(copy, 'report'),
          timeoutMs: TIMEOUT,
        }
      );
      const output = stripAnsi(run.stdout + run.stderr);
      expect(run.code, output).toBe(0);
      for (const kind of KINDS) {
        expect(output).toContain(
          `tests/guard.test.js › ${kind} to an undeclared address › API_TOKEN held while connecting to ${undeclaredTarget()} (not a declared destination)`
        );
      }
      expect(output).not.toMatch(/127\.0\.0\.[13]:\d+ \(not a declared/);
      expect(undeclared.connections).toBeGreaterThanOrEqual(KINDS.length);
      expect(output).toContain(
        `tests/second.test.js › net from a second file › API_TOKEN held while connecting to ${undeclaredTarget()} (not a declared destination)`
      );
      expect(jestResults(copy)['net from a second file']).toBe('passed');
      expect(guardReport(copy).findings).toHaveLength(KINDS.length + 2);
      expectNoLeak(copy, output);
    },
    TIMEOUT
  );

  it(
    'strict mode fails the undeclared connections before they reach the listener',
    async () => {
      copy = copyJestFixture('jest-guard');
      // In band: the preset's runner still runs the file in one child process, where the guard lives.
      const run = await runJest(copy, ['--runInBand', '--json', `--outputFile=${join(copy.outDir, 'results.json')}`], {
        env: guardEnv(copy, 'strict'),
        timeoutMs: TIMEOUT,
      });
      const output = stripAnsi(run.stdout + run.stderr);
      expect(run.code, output).toBe(1);
      expect(undeclared.connections).toBe(0);
      expect(declared.connections).toBeGreaterThanOrEqual(KINDS.length);
      const statuses = jestResults(copy);
      for (const kind of KINDS) {
        expect([kind, statuses[`${kind} to an undeclared address`]]).toEqual([kind, 'failed']);
        expect([kind, statuses[`${kind} to the declared destination`]]).toEqual([kind, 'passed']);
        expect([kind, statuses[`${kind} to an allowed address`]]).toEqual([kind, 'passed']);
      }
      expect(statuses['a host name is refused before any lookup']).toBe('failed');
      expect(statuses['a test that swallows the refusal']).toBe('failed');
      expect(statuses['net from a second file']).toBe('failed');
      expect(output).toContain(
        `API_TOKEN held while connecting to ${undeclaredTarget()} (not a declared destination) — refused`
      );
      expectNoLeak(copy, output);
    },
    TIMEOUT
  );
});

describe('credential-broker run', () => {
  function runArgs(kind: string, host: string, port: number): string[] {
    return [cli, 'run', '--', process.execPath, 'reach.mjs', kind, host, String(port)];
  }

  // One run of the CLI: its child tries every kind against the three listeners.
  async function runAll(project: ProjectCopy, mode: 'report' | 'strict') {
    const env = jestEnv(project, guardEnv(project, mode));
    const targets = [`${allowed.port}@127.0.0.1`, `${declared.port}@127.0.0.3`, `${undeclared.port}@127.0.0.2`];
    const args = [cli, 'run', '--', process.execPath, 'reach.mjs', 'all', ...targets];
    const run = await runNode(args, { cwd: project.dir, env, timeoutMs: TIMEOUT });
    expect(run.code, run.stderr).toBe(0);
    return stripAnsi(run.stdout + run.stderr);
  }

  it(
    'report mode: the child holding the credentials is watched through the preload',
    async () => {
      copy = copyFixture('vitest-guard');
      const output = await runAll(copy, 'report');
      for (const kind of KINDS) {
        expect(output).toContain(`${kind} 127.0.0.2 reached`);
        expect(output).toContain(`${kind} 127.0.0.3 reached`);
        expect(output).toContain(`${kind} 127.0.0.1 reached`);
      }
      expect(output).toContain(
        `credential-broker run ${process.execPath} › API_TOKEN held while connecting to ${undeclaredTarget()} (not a declared destination)`
      );
      expect(output).not.toMatch(/127\.0\.0\.[13]:\d+ \(not a declared/);
      expectNoLeak(copy, output);
    },
    TIMEOUT
  );

  it(
    'strict mode refuses before connect(2): the listener sees nothing',
    async () => {
      copy = copyFixture('vitest-guard');
      const output = await runAll(copy, 'strict');
      for (const kind of KINDS) {
        expect(output).toContain(`${kind} 127.0.0.2 CREDENTIAL_BROKER_EGRESS_REFUSED`);
        expect(output).toContain(`${kind} 127.0.0.3 reached`);
        expect(output).toContain(`${kind} 127.0.0.1 reached`);
      }
      expect(undeclared.connections).toBe(0);
      expectNoLeak(copy, output);
    },
    TIMEOUT
  );

  const strace = spawnSync('strace', ['-V'], { encoding: 'utf8' });
  it.skipIf(strace.status !== 0)(
    'strict mode under strace: no connect(2) to the undeclared address, while the declared one is traced',
    async () => {
      copy = copyFixture('vitest-guard');
      const trace = join(copy.outDir, 'strace.txt');
      const env = jestEnv(copy, guardEnv(copy, 'strict'));
      for (const [host, port] of [
        ['127.0.0.3', declared.port],
        ['127.0.0.2', undeclared.port],
      ] as const) {
        const args = [
          '-f',
          '-qq',
          '-e',
          'trace=connect',
          '-o',
          `${trace}.${host}`,
          ...[process.execPath, ...runArgs('net', host, port)],
        ];
        const run = await new Promise<number | null>((resolve) => {
          const child = spawn('strace', args, { cwd: copy?.dir ?? '.', env, stdio: 'ignore' });
          child.on('close', resolve);
        });
        expect(run).toBe(0);
      }
      const declaredTrace = readFileSync(`${trace}.127.0.0.3`, 'utf8');
      const undeclaredTrace = readFileSync(`${trace}.127.0.0.2`, 'utf8');
      expect(declaredTrace).toContain('inet_addr("127.0.0.3")');
      expect(undeclaredTrace).not.toContain('127.0.0.2');
      expect(undeclared.connections).toBe(0);
    },
    TIMEOUT
  );
});
