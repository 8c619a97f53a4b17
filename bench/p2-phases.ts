/**
 * P2 breakdown: where the broker's time goes in one run of a P2 docblock suite (Vitest and Jest), from CPU profiles of
 * the main process and every worker (`--cpu-prof`, which the workers inherit). A sample is the broker's when the
 * innermost package frame on its stack is the broker's (Node's own frames and the test's are looked through, the
 * runner's are not: a runner's work that our wrappers call into stays the runner's). It is charged to the innermost of
 * the broker's functions below on its stack (one phase per sample, nothing counted twice). Printed per phase, in ms
 * per run and per test file, so a regression shows where.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Figure } from './figure.js';
import { FILES } from './p2-common.js';

type PhaseTable = readonly (readonly [phase: string, names: readonly string[]])[];

// Phases both runners' workers and main processes share (the core's function names in dist/).
const CORE: PhaseTable = [
  ['worker: claim (socket, ticket, declarations)', ['claimWorker', 'claimChannel']],
  ['worker: egress guard install', ['installGuardInWorker', 'installGuard']],
  ['worker: grant round trip', ['fetchGrants', 'requestGrants']],
  // The channel's connections, both ends: socket events run outside the request that caused them.
  [
    'channel: socket I/O (connect, frames, close)',
    ['Connection', 'send', '#read', '#settle', 'closeIfIdle', 'close', 'push', 'guardedConnect'],
  ],
  ['worker: materialise (env, 0600 files)', ['deliver', 'openTaskDir', 'hold', 'applyEnv']],
  ['worker: release and wipe', ['release', 'releaseAll', 'wipeSync', 'closeEndpoints']],
  ['scrubber: derive forms, build automaton', ['#settle', '#compile', 'buildAutomaton']],
  ['scrubbing output and names', ['scrub', 'scrubBuffer', 'scrubDeep', 'scrubTask', 'scrubNames']],
  ['main: serving grants', ['serve', 'grant', 'grantAll']],
];

/** Function names in the built package (dist/) and the phase they belong to; the innermost match wins. */
const VITEST_PHASES: PhaseTable = [
  // The runtime compiled from its code cache (or not, in the run's first fork), and its module code run.
  [
    'worker: load the runtime (code cache, module init)',
    ['compileRuntime', 'existsAsFile', 'readAll', 'readSmallFileBytesSync', 'builtRuntimePath'],
  ],
  ...CORE,
  ['main: session start (config, scratch root)', ['startSession', 'loadConfig']],
  ['main: reporter hooks', ['onTestCaseReady', 'onTestCaseResult', 'onTestRunEnd', 'onInit']],
  ['main: post-run audit (written files, CI record)', ['finishVitestRun', 'finishRun']],
];

const JEST_PHASES: PhaseTable = [
  ...CORE,
  // A Jest worker captures the files its test file may rewrite (.snap, inline snapshots) and scans them after.
  ['worker: written files (capture, scan)', ['captureWrittenFiles', 'auditWrittenFiles', 'scanWrittenFiles']],
  ['worker: environment (setup, test events, teardown)', ['setup', 'handleTestEvent', 'teardown', 'acquireNow']],
  ['main: global setup (session start: config, scratch root)', ['credentialBrokerGlobalSetup', 'startSession']],
  ['main: plan (docblocks of the selected files)', ['plan']],
  ['main: runner (a ticket per file)', ['runTests', 'issue', 'issueTicket']],
  ['main: reporter hooks', ['onRunStart', 'onTestFileStart', 'onTestFileResult', 'onTestCaseResult', 'onRunComplete']],
  ['main: post-run audit (written files, CI record)', ['finishRun', 'recordJestRun']],
];

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Whose a frame is: the broker's, another package's, or neither (Node's own, the test's, V8's). */
function ownerOf(url: string): 'ours' | 'package' | undefined {
  if (url.includes('/credential-broker/dist/')) {
    return 'ours';
  }
  return url.includes('/node_modules/') ? 'package' : undefined;
}

/** @internal ms per phase over every profile in `dir`, plus `other (ours)` for the broker's remaining frames. */
export function chargePhases(dir: string, table: PhaseTable): Map<string, number> {
  const byName = new Map<string, string>();
  for (const [phase, names] of table) {
    for (const name of names) {
      byName.set(name, phase);
    }
  }
  const totals = new Map<string, number>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) {
      for (const child of n.children ?? []) {
        parent.set(child, n.id);
      }
    }
    profile.samples.forEach((sample, i) => {
      const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      let phase: string | undefined;
      let ours = false;
      for (let id: number | undefined = sample; id !== undefined && phase === undefined; id = parent.get(id)) {
        const frame = nodes.get(id)?.callFrame;
        const owner = frame === undefined ? undefined : ownerOf(frame.url);
        if (!ours && owner === 'package') {
          break; // The runner's (or a dependency's) own work, even when our wrapper called it.
        }
        if (owner === 'ours') {
          ours = true;
          phase = byName.get(frame?.functionName ?? '');
        }
      }
      const key = phase ?? (ours ? 'other (ours: module init, helpers)' : undefined);
      if (key !== undefined) {
        totals.set(key, (totals.get(key) ?? 0) + ms);
      }
    });
  }
  return totals;
}

/**
 * The run returns when its main process exits, but a worker (Jest's, with stdio of its own) may still be writing its
 * profile then: waits until every profile is whole and no new one has appeared for a while.
 */
function waitForProfiles(dir: string): void {
  const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const deadline = Date.now() + 15_000;
  let seen = '';
  for (;;) {
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    const whole = files.every((file) => {
      try {
        JSON.parse(readFileSync(join(dir, file), 'utf8'));
        return true;
      } catch {
        return false;
      }
    });
    const now = files.sort().join();
    if ((whole && files.length > 0 && now === seen) || Date.now() > deadline) {
      return;
    }
    seen = whole ? now : '';
    pause(300);
  }
}

/** Runs `argv` (node flags first) with every process profiled, and charges the profiles to `table`'s phases. */
function profiledRun(
  runner: string,
  argv: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
  table: PhaseTable
): Figure {
  const profiles = mkdtempSync(join(tmpdir(), 'cb-p2-profiles-'));
  try {
    // On the command line (NODE_OPTIONS refuses it): Vitest's forks and Jest's workers inherit the main execArgv.
    const result = spawnSync(
      process.execPath,
      ['--cpu-prof', `--cpu-prof-dir=${profiles}`, '--cpu-prof-interval=100', ...argv],
      { ...options, encoding: 'utf8' }
    );
    if (result.status !== 0) {
      throw new Error(
        `P2 breakdown (${runner}): the profiled run failed (exit ${result.status})\n${result.stdout}\n${result.stderr}`
      );
    }
    waitForProfiles(profiles);
    const totals = [...chargePhases(profiles, table)].sort((a, b) => b[1] - a[1]);
    const ours = totals.reduce((sum, [, ms]) => sum + ms, 0);
    const lines = totals.map(([phase, ms]) => `${phase} ${ms.toFixed(0)} ms (${(ms / FILES).toFixed(1)}/file)`);
    process.stderr.write(
      `P2 breakdown (${runner}), CPU of the broker in one docblock run (${FILES} files):\n  ${lines.join('\n  ')}\n`
    );
    return {
      id: `P2-${runner.toUpperCase()}-PHASES`,
      name: `${runner}: the broker's CPU in one profiled docblock run, by phase: ${lines.join('; ')}`,
      value: Math.round((ours / FILES) * 10) / 10,
      unit: 'ms/file',
      goal: 'shown, not judged',
      pass: true,
      verdict: 'shown',
    };
  } finally {
    rmSync(profiles, { recursive: true, force: true });
  }
}

/** P2 breakdown (Vitest): one profiled run of the docblock suite; the figure is the broker's CPU ms per test file. */
export function p2Phases(project: { dir: string; vitest: string }): Figure {
  return profiledRun(
    'Vitest',
    [project.vitest, 'run', '--config', 'vitest.plugin.config.mjs', '--reporter=dot'],
    { cwd: project.dir, env: { ...process.env, P2_VARIANT: 'docblock', CI: '1', CREDENTIAL_BROKER_EGRESS: '0' } },
    VITEST_PHASES
  );
}

/** P2 breakdown (Jest): the same for one profiled run of the Jest docblock suite (`argv` and `env` as P2 runs it). */
export function p2JestPhases(cwd: string, argv: readonly string[], env: NodeJS.ProcessEnv): Figure {
  return profiledRun('Jest', argv, { cwd, env }, JEST_PHASES);
}
