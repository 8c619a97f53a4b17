/**
 * What P2 (Vitest) and P2 (Jest) share: a temp project with this package installed the way a user's would be, the
 * same three credentials in it, and the median of the samples.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..');

/**
 * @internal Test files in each suite: 40 (`BENCH_P2_FILES` to change it), so that ≥ 15 alternated pairs of every form
 * fit in a bench run; each file is a fresh Vitest fork, so per-file costs show in full.
 */
export const FILES = Number(process.env['BENCH_P2_FILES'] ?? 40);
/** @internal Tests in each file. */
export const TESTS = 5;

/**
 * @internal A temp project with this package installed the way npm would (a copy, so the runner externalises it) and
 * every other dependency linked; `packageJson` is the project's own.
 */
export function benchProject(
  prefix: string,
  packageJson: Readonly<Record<string, unknown>> = { private: true, type: 'module' }
): { readonly dir: string; readonly vitest: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(repoRoot, 'node_modules'))) {
    if (entry !== 'credential-broker' && !entry.startsWith('.')) {
      symlinkSync(join(repoRoot, 'node_modules', entry), join(modules, entry), 'dir');
    }
  }
  const installed = join(modules, 'credential-broker');
  mkdirSync(installed);
  cpSync(join(repoRoot, 'package.json'), join(installed, 'package.json'));
  cpSync(join(repoRoot, 'dist'), join(installed, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(packageJson));
  return {
    dir,
    vitest: join(modules, 'vitest', 'vitest.mjs'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** @internal Three file-backed credentials: BENCH_A and BENCH_B as env vars, BENCH_C as a 0600 file. */
export function writeCredentials(dir: string): void {
  mkdirSync(join(dir, 'secrets'));
  for (const name of ['a', 'b', 'c']) {
    writeFileSync(join(dir, 'secrets', `${name}.txt`), `BENCH_CANARY_${name.toUpperCase()}_${'x'.repeat(24)}`);
  }
  writeFileSync(
    join(dir, 'credential-broker.config.json'),
    JSON.stringify({
      credentials: {
        BENCH_A: 'file:secrets/a.txt',
        BENCH_B: 'file:secrets/b.txt',
        BENCH_C: { ref: 'file:secrets/c.txt', as: 'file' },
      },
    })
  );
}

/** @internal One run of a suite: its wall time and its children's CPU time, in ms. */
export type Sample = { readonly wall: number; readonly cpu: number };

/**
 * @internal A variant's wall-time pair ratios against the bare run of the same rotation, and its CPU ratio
 * (median ÷ median).
 */
export function versusBare(xs: readonly Sample[], bare: readonly Sample[]): { ratios: number[]; cpu: number } {
  return {
    ratios: xs.map((x, i) => x.wall / (bare[i]?.wall ?? x.wall)),
    cpu: median(xs.map((x) => x.cpu)) / median(bare.map((x) => x.cpu)),
  };
}

/** @internal The median: single runs on a shared machine vary too much to compare one against one. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * @internal CPU time of terminated, waited-for children (the runner's main process and, through it, its workers), in
 * ms: far steadier than wall time on a shared machine. Linux only; NaN elsewhere.
 */
export function childCpuMs(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    // After "pid (comm) ", cutime and cstime are at 13 and 14 (fields 16 and 17 of proc(5)), in 1/100 s ticks.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return Number.NaN;
  }
}
