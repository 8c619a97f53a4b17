/**
 * P2 (Jest): 200 files × 5 tests, each test receiving 3 credentials (2 env vars, 1 file), against the same suite
 * under bare Jest, with the package installed the way npm would (a copy in node_modules) and two workers. Two ways
 * of declaring, measured in the same alternating series:
 * - `docblock`: `@credentials BENCH_A, BENCH_B, BENCH_C` — one lease per file, as P2 (Vitest) does; the figure;
 * - `per-test`: `withCredentials([...], () => …)` — a lease per test, materialised at its start and released at its
 *   end (1000 leases); reported in the figure's name.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Figure } from './figure.js';
import { benchProject, FILES, median, TESTS, writeCredentials } from './p2-common.js';

const GOAL = 1.05;
const ROTATIONS = 11;
const VARIANTS = ['bare', 'docblock', 'per-test'] as const;
type Variant = (typeof VARIANTS)[number];

function writeSuite(dir: string): void {
  writeCredentials(dir);
  const common = "transform: {}, testMatch: ['<rootDir>/tests/**/*.test.js']";
  writeFileSync(join(dir, 'jest.broker.config.cjs'), `module.exports = { preset: 'credential-broker', ${common} };`);
  writeFileSync(join(dir, 'jest.bare.config.cjs'), `module.exports = { ${common} };`);
  const tests = [
    `  for (let i = 0; i < ${TESTS}; i++) {`,
    "    test('test ' + i, () => {",
    '      expect(process.env.BENCH_A !== undefined && process.env.BENCH_C !== undefined).toBe(delivered);',
    '    });',
    '  }',
  ];
  const bodies: Record<Variant, string[]> = {
    bare: ['const delivered = false;', '{', ...tests, '}'],
    docblock: [
      '/**',
      ' * @credentials BENCH_A, BENCH_B, BENCH_C',
      ' */',
      'const delivered = true;',
      '{',
      ...tests,
      '}',
    ],
    'per-test': [
      "const { withCredentials } = require('credential-broker/jest');",
      'const delivered = true;',
      "withCredentials(['BENCH_A', 'BENCH_B', 'BENCH_C'], () => {",
      ...tests,
      '});',
    ],
  };
  for (const variant of VARIANTS) {
    mkdirSync(join(dir, 'tests', variant), { recursive: true });
    for (let f = 0; f < FILES; f++) {
      const file = join(dir, 'tests', variant, `f${String(f).padStart(3, '0')}.test.js`);
      writeFileSync(file, `${bodies[variant].join('\n')}\n`);
    }
  }
}

// CPU time of terminated, waited-for children (Jest's main process and, through it, its workers), in ms: far
// steadier than wall time on a shared machine. Linux only; NaN elsewhere.
function childCpuMs(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    // After "pid (comm) ", cutime and cstime are at 13 and 14 (fields 16 and 17 of proc(5)), in 1/100 s ticks.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return Number.NaN;
  }
}

type Sample = { readonly wall: number; readonly cpu: number };

function runOnce(dir: string, variant: Variant): Sample {
  const cpuBefore = childCpuMs();
  const start = performance.now();
  const result = spawnSync(
    process.execPath,
    [
      join(dir, 'node_modules', 'jest', 'bin', 'jest.js'),
      '--config',
      `jest.${variant === 'bare' ? 'bare' : 'broker'}.config.cjs`,
      '--maxWorkers=2',
      '--ci',
      `tests/${variant}/`,
    ],
    {
      cwd: dir,
      encoding: 'utf8',
      env: { ...benchEnv(), CI: '1', CREDENTIAL_BROKER_EGRESS: '0', FORCE_COLOR: '0' },
    }
  );
  const wall = performance.now() - start;
  const cpu = childCpuMs() - cpuBefore;
  if (result.status !== 0 || !result.stderr.includes(`Tests:       ${FILES * TESTS} passed`)) {
    throw new Error(`P2: the ${variant} Jest run failed (exit ${result.status})\n${result.stdout}\n${result.stderr}`);
  }
  return { wall, cpu };
}

// Jest 30 picks a terser "agent" reporter when it sees an AI agent's variables, but only when `reporters` is unset
// (bare); the preset sets ['credential-broker/jest-reporter', 'default']. Both variants get `default` this way.
const AGENT_VARS =
  /^(AI_AGENT|AUGMENT_AGENT|CLAUDE_CODE|CLAUDECODE|CODEX_.*|CURSOR_AGENT|GEMINI_CLI|GOOSE_PROVIDER|OPENCODE|REPL_ID)$/;

function benchEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !AGENT_VARS.test(key)));
}

/** P2 (Jest): wall time with the preset ÷ bare Jest, medians of alternating runs. */
export async function p2Jest(): Promise<Figure> {
  // CommonJS, so that Jest runs the .js tests without a transform in both variants.
  const { dir, remove } = benchProject('cb-p2-jest-', { private: true });
  try {
    writeSuite(dir);
    // One warm-up of each fills Jest's haste map cache and the OS page cache; then rotate so drift hits all alike.
    for (const variant of VARIANTS) {
      runOnce(dir, variant);
    }
    const samples: Record<Variant, Sample[]> = { bare: [], docblock: [], 'per-test': [] };
    // Eleven rotations, alternating direction: on this shared 2-core machine single runs of the same suite vary by
    // up to ±20% (CPU time too, so it is the machine, not scheduling); medians of seven still moved by ±4%.
    const reversed = [...VARIANTS].reverse();
    for (const order of Array.from({ length: ROTATIONS }, (_, i) => (i % 2 === 0 ? VARIANTS : reversed))) {
      for (const variant of order) {
        samples[variant].push(runOnce(dir, variant));
      }
    }
    const wall = (v: Variant) => median(samples[v].map((x) => x.wall));
    const cpu = (v: Variant) => median(samples[v].map((x) => x.cpu));
    const ratio = wall('docblock') / wall('bare');
    const detail = [
      `docblock; medians ${Math.round(wall('docblock'))} / ${Math.round(wall('bare'))} ms`,
      `CPU ${(cpu('docblock') / cpu('bare')).toFixed(3)}`,
      `per-test withCredentials: wall ${(wall('per-test') / wall('bare')).toFixed(3)}, CPU ${(cpu('per-test') / cpu('bare')).toFixed(3)}`,
    ].join('; ');
    return {
      id: 'P2-JEST',
      name: `Jest wall time, preset ÷ bare (${FILES} files × ${TESTS} tests × 3 credentials, ${detail})`,
      value: Math.round(ratio * 1000) / 1000,
      unit: 'ratio',
      goal: `≤ ${GOAL}`,
      pass: ratio <= GOAL,
    };
  } finally {
    remove();
  }
}
