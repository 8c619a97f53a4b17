/**
 * P2 (Jest): wall time of a suite under the preset ÷ the same suite under bare Jest (two workers, the package installed
 * as npm would), for each way of declaring: the `@credentials` docblock, `withCredentials([...], () => …)`,
 * `credentials()` in each test, and the preset on with nothing declared. The bare runs get the same values by hand.
 * All five variants run in alternated rotations; each form's figure is the median of its pair ratios with a 95 %
 * bootstrap interval (p2-stats.ts). CPU time (children's, from /proc) is printed beside it: steadier than wall time.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Figure } from './figure.js';
import {
  benchProject,
  childCpuMs,
  FILES,
  median,
  type Sample,
  TESTS,
  versusBare,
  writeCredentials,
} from './p2-common.js';
import { p2JestStart } from './p2-jest-start.js';
import { p2JestPhases } from './p2-phases.js';
import { describeVerdict, judgePairs, pairCount, rotate, selectedForms } from './p2-stats.js';

const FORMS = ['docblock', 'with-credentials', 'credentials-call', 'nothing'] as const;
type Form = (typeof FORMS)[number];
const VARIANTS = ['bare', ...FORMS] as const;
type Variant = (typeof VARIANTS)[number];
const GOALS: Record<Form, number> = {
  docblock: 1.05,
  'with-credentials': 1.05,
  'credentials-call': 1.05,
  nothing: 1.02,
};
const LABELS: Record<Form, string> = {
  docblock: '@credentials docblock',
  'with-credentials': 'withCredentials()',
  'credentials-call': 'credentials() in each test',
  nothing: 'preset on, nothing declared',
};

const CHECK = 'expect(process.env.BENCH_A !== undefined && process.env.BENCH_C !== undefined).toBe(true);';

/** @internal The suite: one directory of test files per variant, and the two configs. */
export function writeSuite(dir: string): void {
  writeCredentials(dir);
  const common = "transform: {}, testMatch: ['<rootDir>/tests/**/*.test.js']";
  writeFileSync(join(dir, 'jest.broker.config.cjs'), `module.exports = { preset: 'credential-broker', ${common} };`);
  writeFileSync(join(dir, 'jest.bare.config.cjs'), `module.exports = { ${common} };`);
  const loop = (head: string, inner: string[]) => [
    `for (let i = 0; i < ${TESTS}; i++) {`,
    `  ${head}`,
    ...inner.map((l) => `    ${l}`),
    '  });',
    '}',
  ];
  const plain = loop("test('test ' + i, () => {", [CHECK]);
  const bodies: Record<Variant, string[]> = {
    bare: plain,
    nothing: plain,
    docblock: ['/**', ' * @credentials BENCH_A, BENCH_B, BENCH_C', ' */', ...plain],
    'with-credentials': [
      "const { withCredentials } = require('credential-broker/jest');",
      "withCredentials(['BENCH_A', 'BENCH_B', 'BENCH_C'], () => {",
      ...plain,
      '});',
    ],
    'credentials-call': [
      "const { credentials } = require('credential-broker/jest');",
      ...loop("test('test ' + i, async () => {", [
        "const values = await credentials('BENCH_A', 'BENCH_B', 'BENCH_C');",
        'expect(values.BENCH_A !== undefined && credentials.files.BENCH_C !== undefined).toBe(true);',
      ]),
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

/** The Jest command line and environment of one P2 run of `variant` (node flags go before the first). */
function command(dir: string, variant: Variant): { argv: string[]; env: NodeJS.ProcessEnv } {
  return {
    argv: [
      join(dir, 'node_modules', 'jest', 'bin', 'jest.js'),
      '--config',
      `jest.${variant === 'bare' ? 'bare' : 'broker'}.config.cjs`,
      '--maxWorkers=2',
      '--ci',
      `tests/${variant}/`,
    ],
    env: {
      ...benchEnv(),
      CI: '1',
      CREDENTIAL_BROKER_EGRESS: '0',
      FORCE_COLOR: '0',
      ...(variant === 'bare' || variant === 'nothing'
        ? { BENCH_A: 'by-hand-a', BENCH_B: 'by-hand-b', BENCH_C: join(dir, 'secrets', 'c.txt') }
        : {}),
    },
  };
}

function runOnce(dir: string, variant: Variant): Sample {
  const { argv, env } = command(dir, variant);
  const cpuBefore = childCpuMs();
  const start = performance.now();
  const result = spawnSync(process.execPath, argv, { cwd: dir, encoding: 'utf8', env });
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

/** P2 (Jest): one figure per declaration form. */
export async function p2Jest(): Promise<Figure[]> {
  // CommonJS, so that Jest runs the .js tests without a transform in every variant.
  const { dir, remove } = benchProject('cb-p2-jest-', { private: true });
  try {
    writeSuite(dir);
    const forms = selectedForms(FORMS);
    const variants: Variant[] = ['bare', ...forms];
    // One warm-up of each fills Jest's haste map cache and the OS page cache.
    for (const variant of variants) {
      runOnce(dir, variant);
    }
    const samples = rotate(variants, pairCount(), (variant) => runOnce(dir, variant));
    const bare = samples.bare;
    // BENCH_P2_PHASES=0 leaves out the profiled run (quick looks at one form).
    const profiled = command(dir, 'docblock');
    const phases = process.env['BENCH_P2_PHASES'] === '0' ? [] : [p2JestPhases(dir, profiled.argv, profiled.env)];
    const timed = command(dir, 'nothing');
    const bareWall = median(bare.map((x) => x.wall));
    const start = process.env['BENCH_P2_PHASES'] === '0' ? [] : [p2JestStart(dir, timed.argv, timed.env, bareWall)];
    const figures: Figure[] = forms.map((form) => {
      const { ratios, cpu } = versusBare(samples[form], bare);
      const verdict = judgePairs(ratios, GOALS[form]);
      const wall = (xs: Sample[]) => Math.round(median(xs.map((x) => x.wall)));
      return {
        id: `P2-JEST-${form.toUpperCase()}`,
        name: `Jest -w 2, ${LABELS[form]} ÷ bare with the values set by hand (${FILES} files × ${TESTS} tests × 3 credentials; ${describeVerdict(verdict)}; run ${wall(samples[form])} / ${wall(bare)} ms; CPU ${cpu.toFixed(3)})`,
        value: Math.round(verdict.median * 1000) / 1000,
        unit: 'ratio',
        goal: `≤ ${GOALS[form]}, 95 % upper bound`,
        pass: verdict.verdict === 'pass',
        verdict: verdict.verdict,
      };
    });
    return [...figures, ...phases, ...start];
  } finally {
    remove();
  }
}
