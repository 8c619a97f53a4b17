/**
 * P2 breakdown: where the plugin's time goes in one run of the P2 (Vitest) docblock suite, from CPU profiles of the
 * main process and every fork (`--cpu-prof`, which the forks inherit). Each sample is charged to the innermost of the
 * broker's functions below on its stack (one phase per sample, nothing counted twice); the rest of the process is
 * Vitest's and the test's own. Printed per phase, in ms per run and per test file, so a regression shows where.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Figure } from './figure.js';
import { FILES } from './p2-common.js';

/** Function names in the built package (dist/) and the phase they belong to; the innermost match wins. */
const PHASES: readonly [phase: string, names: readonly string[]][] = [
  // The runtime compiled from its code cache (or not, in the run's first fork), and its module code run.
  ['worker: load the runtime (code cache, module init)', ['compileRuntime']],
  ['worker: claim (socket, ticket, declarations)', ['claimWorker', 'claimChannel']],
  ['worker: egress guard install', ['installGuardInWorker', 'installGuard']],
  ['worker: grant round trip', ['fetchGrants', 'requestGrants']],
  ['worker: materialise (env, 0600 files)', ['deliver', 'openTaskDir', 'hold', 'applyEnv']],
  ['worker: release and wipe', ['release', 'releaseAll', 'wipeSync']],
  ['scrubber: derive forms, build automaton', ['#settle', '#compile', 'buildAutomaton']],
  ['scrubbing output and names', ['scrub', 'scrubBuffer', 'scrubDeep', 'scrubTask', 'scrubNames']],
  ['main: session start (config, scratch root)', ['startSession', 'loadConfig']],
  ['main: serving grants', ['serve', 'grant', 'grantAll']],
  ['main: reporter hooks', ['onTestCaseReady', 'onTestCaseResult', 'onTestRunEnd', 'onInit']],
  ['main: post-run audit (written files, CI record)', ['finishVitestRun', 'finishRun']],
];

/** Wrappers around Vitest's own work (a fork's spawn and kill under the plugin's stream wrapper): not ours. */
const PASS_THROUGH = new Set(['proto.start', 'proto.stop']);

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

/** @internal ms per phase over every profile in `dir`, plus `other (ours)` for the broker's remaining frames. */
export function chargePhases(dir: string): Map<string, number> {
  const byName = new Map<string, string>();
  for (const [phase, names] of PHASES) {
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
        if (frame?.url.includes('/credential-broker/dist/')) {
          if (!ours && PASS_THROUGH.has(frame.functionName)) {
            break;
          }
          ours = true;
          phase = byName.get(frame.functionName);
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

/** P2 breakdown: one profiled run of the docblock suite; the figure is the broker's CPU ms per test file. */
export function p2Phases(project: { dir: string; vitest: string }): Figure {
  const profiles = mkdtempSync(join(tmpdir(), 'cb-p2-profiles-'));
  try {
    const result = spawnSync(
      process.execPath,
      // On the command line (NODE_OPTIONS refuses it): Vitest's forks inherit the main process's execArgv.
      [
        '--cpu-prof',
        `--cpu-prof-dir=${profiles}`,
        '--cpu-prof-interval=100',
        project.vitest,
        'run',
        '--config',
        'vitest.plugin.config.mjs',
        '--reporter=dot',
      ],
      {
        cwd: project.dir,
        encoding: 'utf8',
        env: {
          ...process.env,
          P2_VARIANT: 'docblock',
          CI: '1',
          CREDENTIAL_BROKER_EGRESS: '0',
        },
      }
    );
    if (result.status !== 0) {
      throw new Error(
        `P2 breakdown: the profiled run failed (exit ${result.status})\n${result.stdout}\n${result.stderr}`
      );
    }
    const totals = [...chargePhases(profiles)].sort((a, b) => b[1] - a[1]);
    const ours = totals.reduce((sum, [, ms]) => sum + ms, 0);
    const lines = totals.map(([phase, ms]) => `${phase} ${ms.toFixed(0)} ms (${(ms / FILES).toFixed(1)}/file)`);
    process.stderr.write(
      `P2 breakdown, CPU of the broker in one docblock run (${FILES} files):\n  ${lines.join('\n  ')}\n`
    );
    return {
      id: 'P2-PHASES',
      name: `the broker's CPU in one profiled docblock run, by phase: ${lines.join('; ')}`,
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
