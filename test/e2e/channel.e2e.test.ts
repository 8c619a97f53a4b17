/**
 * Issue 11, findings 4–6, with the real runners: an `env:` source leaves the environment of every test that did
 * not declare it; a test that declares nothing, its child and a process outside the run obtain nothing from the
 * session channel (no handle file, no token in any environment, no ticket: the setup file takes it out of what Vitest provides); the canary is in none of stdout,
 * stderr, the JSON and JUnit reports, the .snap files, nor what the probes found (test/e2e/channel-probe.cjs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { filesUnder, findLeaks, type ProjectCopy } from './harness.js';
import { copyJestFixture, runJest } from './jest-harness.js';
import { copyFixture, runVitest } from './vitest-harness.js';

const CANARY = 'CANARY-ENV-SOURCE-SENTINEL-6b2e0f';
const KEPT = 'CANARY-KEPT-SOURCE-SENTINEL-a91d44';
const PROBE = join(import.meta.dirname, 'channel-probe.cjs');

let copy: ProjectCopy | undefined;
afterEach(() => {
  copy?.remove();
  copy = undefined;
});

function env(project: ProjectCopy, extra: Record<string, string> = {}): Record<string, string> {
  return {
    CB_SRC_PLAIN: CANARY,
    CB_SRC_KEPT: KEPT,
    CHANNEL_PROBE: PROBE,
    PROBE_OUT: join(project.outDir, 'channel-probe.jsonl'),
    ...extra,
  };
}

interface Probe {
  readonly label: string;
  readonly envSource: string | null;
  readonly handleVar: string | null;
  readonly environSource: readonly string[];
  readonly scratchFiles: Readonly<Record<string, string>>;
  readonly sockets: number;
  readonly tickets: number;
  readonly answers: readonly string[];
}

function probes(project: ProjectCopy): Probe[] {
  const file = join(project.outDir, 'channel-probe.jsonl');
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Probe)
    : [];
}

/** Every probe found the socket, and got nothing from it or from the environment or the scratch root. */
function expectNothingObtained(found: readonly Probe[], { environ }: { readonly environ: boolean }): void {
  expect(found.map((p) => p.label)).toEqual(['test', 'child', 'outside']);
  for (const probe of found) {
    expect(probe.sockets).toBe(1);
    expect([probe.label, probe.envSource, probe.handleVar]).toEqual([probe.label, null, null]);
    if (environ || probe.label !== 'test') {
      expect([probe.label, probe.environSource]).toEqual([probe.label, []]);
    }
    // No handle file, no token: the scratch root holds only its owner record (a pid), nothing to present.
    expect([probe.label, Object.keys(probe.scratchFiles).map((f) => basename(f))]).toEqual([
      probe.label,
      ['.owner.json'],
    ]);
    expect(Object.values(probe.scratchFiles).join('\n')).not.toMatch(/[0-9a-f]{64}/);
    expect(probe.answers.length).toBeGreaterThan(0);
    for (const answer of probe.answers) {
      expect(answer).not.toContain('"ok":true');
      expect(answer).toMatch(/"ok":false|^$/);
    }
  }
}

function leaks(project: ProjectCopy, outputs: { stdout: string; stderr: string }): string[] {
  const texts = [
    { where: 'stdout', text: outputs.stdout },
    { where: 'stderr', text: outputs.stderr },
    ...filesUnder(project.outDir).map((f) => ({ where: f.path, text: f.text })),
    ...filesUnder(project.dir).map((f) => ({ where: f.path, text: f.text })),
  ];
  return findLeaks(texts, { CANARY, KEPT });
}

describe('the session channel with the real runners', () => {
  it('Vitest (forks): the undeclared test, its child and an outside process obtain nothing; no canary anywhere', async () => {
    const project = copyFixture('channel-vitest');
    copy = project;
    const run = await runVitest(
      project,
      [
        // CI=1 in the harness: write the new snapshot rather than fail on it.
        '--update',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${join(project.outDir, 'report.json')}`,
        '--reporter=junit',
        `--outputFile.junit=${join(project.outDir, 'junit.xml')}`,
      ],
      { env: env(project) }
    );
    expect({ code: run.code, stderr: run.stderr.slice(0, 2000) }).toEqual({ code: 0, stderr: expect.any(String) });
    const found = probes(project);
    expectNothingObtained(found, { environ: true });
    // The test found no ticket in what Vitest provided (the setup file took it), nor anywhere else.
    expect(found[0]?.tickets).toBe(0);
    expect(readFileSync(join(project.dir, 'tests', '__snapshots__', 'declared.test.ts.snap'), 'utf8')).toContain(
      '[redacted:SRC_PLAIN]'
    );
    expect(leaks(project, run)).toEqual([]);
  }, 180_000);

  for (const [mode, args, environ] of [
    ['workers', ['--maxWorkers=2'], true],
    ['in band', ['-i'], false],
  ] as const) {
    it(`Jest (${mode}): the undeclared test, its child and an outside process obtain nothing; no canary anywhere`, async () => {
      const project = copyJestFixture('channel-jest');
      copy = project;
      const stats = join(project.outDir, 'session-stats.json');
      const run = await runJest(
        project,
        [...args, '--ci=false', '--json', `--outputFile=${join(project.outDir, 'results.json')}`],
        { env: env(project, { BROKER_STATS_FILE: stats, ...(environ ? {} : { PROBE_PARENT_ENVIRON: '0' }) }) }
      );
      expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr.slice(0, 3000) }).toEqual({
        code: 0,
        stderr: '',
      });
      expectNothingObtained(probes(project), { environ });
      // Only the file with a docblock spent its ticket: the one that asks for nothing opened no connection.
      expect(JSON.parse(readFileSync(stats, 'utf8'))).toEqual({ claims: 1 });
      expect(readFileSync(join(project.dir, 'tests', '__snapshots__', 'declared.test.js.snap'), 'utf8')).toContain(
        '[redacted:SRC_PLAIN]'
      );
      expect(existsSync(join(project.outDir, 'junit.xml'))).toBe(true);
      expect(leaks(project, run)).toEqual([]);
    }, 180_000);
  }
});
