/**
 * P2-JEST-START: what the preset costs Jest's main process before the first test file can start and after the last
 * one, where nothing runs beside it: loading each of the preset's main-process files, and running the global setup
 * (the session: config, scratch root, channel, the selected files' docblocks) and teardown. From timestamps in the
 * "nothing declared" run (bench/jest-main-timer.cjs), medians over a few runs. Shown, not judged: it explains the
 * "nothing declared" figure, which is mostly this fixed cost.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Figure } from './figure.js';
import { median } from './p2-common.js';

const RUNS = 5;
const TIMER = join(import.meta.dirname, 'jest-main-timer.cjs');

/** `argv` and `env` as P2 runs the "nothing declared" variant; `bareWallMs` the median bare run, for scale. */
export function p2JestStart(cwd: string, argv: readonly string[], env: NodeJS.ProcessEnv, bareWallMs: number): Figure {
  const steps = new Map<string, number[]>();
  const logs = mkdtempSync(join(tmpdir(), 'cb-p2-jest-start-'));
  try {
    for (let run = 0; run < RUNS; run++) {
      const log = join(logs, `run-${run}.log`);
      const options = [env['NODE_OPTIONS'], `--require ${JSON.stringify(TIMER)}`].filter(Boolean).join(' ');
      const result = spawnSync(process.execPath, argv, {
        cwd,
        encoding: 'utf8',
        env: { ...env, NODE_OPTIONS: options, CB_BENCH_TIMER_LOG: log },
      });
      if (result.status !== 0) {
        throw new Error(
          `P2-JEST-START: the timed run failed (exit ${result.status})\n${result.stdout}\n${result.stderr}`
        );
      }
      for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
        const at = line.lastIndexOf(' ');
        const step = line.slice(0, at);
        steps.set(step, [...(steps.get(step) ?? []), Number(line.slice(at + 1))]);
      }
    }
  } finally {
    rmSync(logs, { recursive: true, force: true });
  }
  const medians = [...steps].map(([step, ms]) => [step.replace(/jest-/, ''), median(ms)] as const);
  const total = medians.reduce((sum, [, ms]) => sum + ms, 0);
  const parts = medians.sort((a, b) => b[1] - a[1]).map(([step, ms]) => `${step} ${ms.toFixed(1)}`);
  const share = ((total / bareWallMs) * 100).toFixed(1);
  return {
    id: 'P2-JEST-START',
    name: `Jest: the preset's serial main-process work in a "nothing declared" run (medians of ${RUNS}, ms): ${parts.join(', ')}; total ${total.toFixed(0)} ms, ${share} % of a bare run's ${Math.round(bareWallMs)} ms`,
    value: Math.round(total),
    unit: 'ms',
    goal: 'shown, not judged',
    pass: true,
    verdict: 'shown',
  };
}
