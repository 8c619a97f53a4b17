/**
 * P2 (Vitest): wall time of a suite under the plugin ÷ the same suite under bare Vitest, for each way of declaring:
 * `docblock`, the `credentials` fixture, `withCredentials()` test options (meta), and the plugin on with nothing
 * declared. The bare runs get the same values by hand (env vars and a file), so every test asserts the same thing.
 * All five variants run in alternated rotations in this one process; each form's figure is the median of its pair
 * ratios with a 95 % bootstrap interval (p2-stats.ts); the children's CPU time (median ÷ median) is printed beside
 * it, steadier than wall time. The package is installed as a user's would be (a copy in node_modules, so Vitest
 * externalises it).
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
import { p2Phases } from './p2-phases.js';
import { describeVerdict, judgePairs, pairCount, rotate, selectedForms } from './p2-stats.js';

// bench/p5-worker.ts imports it from here.
export { benchProject } from './p2-common.js';

const FORMS = ['docblock', 'fixture', 'meta', 'nothing'] as const;
type Form = (typeof FORMS)[number];
// Not a form: bare Vitest with a setup file that registers what ours does when nothing is declared (one `beforeAll`
// and one `beforeEach` returning at once, one `afterAll`) and nothing else. Its ratio is the floor "nothing declared"
// is measured against: what Vitest itself charges a fork for any such setup file, and how far this hour's noise
// reaches.
const FLOOR_SETUP =
  "import { afterAll, beforeAll, beforeEach } from 'vitest';\nbeforeAll(() => {});\nbeforeEach(() => {});\nafterAll(() => {});\n";
type Variant = 'bare' | 'floor' | Form;
const GOALS: Record<Form, number> = { docblock: 1.05, fixture: 1.05, meta: 1.05, nothing: 1.02 };
const LABELS: Record<Form, string> = {
  docblock: '@credentials docblock',
  fixture: 'credentials fixture',
  meta: 'withCredentials() options',
  nothing: 'plugin on, nothing declared',
};

const CHECK = 'expect(process.env.BENCH_A !== undefined && process.env.BENCH_C !== undefined).toBe(true);';
// biome-ignore lint/suspicious/noTemplateCurlyInString: source of a generated file
const NAME = '`test ${i}`';

function body(variant: Variant): string[] {
  const loop = (head: string, inner: string[]) => [
    `for (let i = 0; i < ${TESTS}; i++) {`,
    `  ${head}`,
    ...inner.map((l) => `    ${l}`),
    '  });',
    '}',
  ];
  switch (variant) {
    case 'docblock':
      return [
        '/**',
        ' * @credentials BENCH_A, BENCH_B, BENCH_C',
        ' */',
        "import { expect, test } from 'vitest';",
        ...loop(`test(${NAME}, () => {`, [CHECK]),
      ];
    case 'fixture':
      return [
        "import { test } from 'credential-broker/vitest';",
        "import { expect } from 'vitest';",
        ...loop(`test(${NAME}, async ({ credentials }) => {`, [
          "await credentials('BENCH_A', 'BENCH_B', 'BENCH_C');",
          CHECK,
        ]),
      ];
    case 'meta':
      return [
        "import { withCredentials } from 'credential-broker/vitest';",
        "import { expect, test } from 'vitest';",
        ...loop(`test(${NAME}, withCredentials('BENCH_A', 'BENCH_B', 'BENCH_C'), () => {`, [CHECK]),
      ];
    case 'nothing':
    case 'floor':
    case 'bare':
      // The values come from the environment the bench sets by hand.
      return ["import { expect, test } from 'vitest';", ...loop(`test(${NAME}, () => {`, [CHECK])];
  }
}

/** @internal The suite: one directory of test files per variant, and the two configs. */
export function writeSuite(dir: string): void {
  writeCredentials(dir);
  const config = (plugin: boolean, setup = '') =>
    [
      "import { defineConfig } from 'vitest/config';",
      plugin ? "import { credentialBroker } from 'credential-broker/vitest/plugin';" : '',
      `export default defineConfig({ ${plugin ? 'plugins: [credentialBroker()], ' : ''}test: { ${setup}include: [\`tests/\${process.env.P2_VARIANT}/*.test.js\`] } });`,
    ].join('\n');
  writeFileSync(join(dir, 'vitest.plugin.config.mjs'), config(true));
  writeFileSync(join(dir, 'vitest.bare.config.mjs'), config(false));
  writeFileSync(join(dir, 'floor-setup.js'), FLOOR_SETUP);
  writeFileSync(join(dir, 'vitest.floor.config.mjs'), config(false, "setupFiles: ['./floor-setup.js'], "));
  for (const variant of ['bare', 'floor', ...FORMS] as const) {
    mkdirSync(join(dir, 'tests', variant), { recursive: true });
    for (let f = 0; f < FILES; f++) {
      writeFileSync(
        join(dir, 'tests', variant, `f${String(f).padStart(3, '0')}.test.js`),
        `${body(variant).join('\n')}\n`
      );
    }
  }
}

function runOnce(project: { dir: string; vitest: string }, variant: Variant): Sample {
  const byHand = variant === 'bare' || variant === 'floor' || variant === 'nothing';
  const cpuBefore = childCpuMs();
  const start = performance.now();
  const result = spawnSync(
    process.execPath,
    [
      project.vitest,
      'run',
      '--config',
      `vitest.${variant === 'bare' || variant === 'floor' ? variant : 'plugin'}.config.mjs`,
      '--reporter=dot',
    ],
    {
      cwd: project.dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        P2_VARIANT: variant,
        CI: '1',
        CREDENTIAL_BROKER_EGRESS: '0',
        ...(byHand
          ? { BENCH_A: 'by-hand-a', BENCH_B: 'by-hand-b', BENCH_C: join(project.dir, 'secrets', 'c.txt') }
          : {}),
      },
    }
  );
  const elapsed = performance.now() - start;
  const cpu = childCpuMs() - cpuBefore;
  if (result.status !== 0 || !result.stdout.includes(`${FILES * TESTS} passed`)) {
    throw new Error(`P2: the ${variant} Vitest run failed (exit ${result.status})\n${result.stdout}\n${result.stderr}`);
  }
  return { wall: elapsed, cpu };
}

function floorFigure(floor: readonly Sample[], bare: readonly Sample[]): Figure {
  const { ratios, cpu } = versusBare(floor, bare);
  // Judged against no goal: pass/undecided/FAIL would read as a verdict on Vitest.
  const verdict = judgePairs(ratios, Number.POSITIVE_INFINITY);
  return {
    id: 'P2-VITEST-FLOOR',
    name: `Vitest, bare with a setup file of one empty beforeAll, beforeEach and afterAll (what "nothing declared" registers) ÷ bare (${describeVerdict(verdict)}; CPU ${cpu.toFixed(3)})`,
    value: Math.round(verdict.median * 1000) / 1000,
    unit: 'ratio',
    goal: 'shown, not judged',
    pass: true,
    verdict: 'shown',
  };
}

/** P2 (Vitest): one figure per declaration form. */
export async function p2Vitest(): Promise<Figure[]> {
  const project = benchProject('cb-p2-vitest-');
  try {
    writeSuite(project.dir);
    const forms = selectedForms(FORMS);
    // The floor rides along with "nothing declared", the figure it explains.
    const variants: Variant[] = ['bare', ...(forms.includes('nothing') ? (['floor'] as const) : []), ...forms];
    // One warm-up of each fills Vite's caches and the OS page cache.
    for (const variant of variants) {
      runOnce(project, variant);
    }
    const samples = rotate(variants, pairCount(), (variant) => runOnce(project, variant));
    const bare = samples.bare;
    // BENCH_P2_PHASES=0 leaves out the profiled run (quick looks at one form).
    const phases = process.env['BENCH_P2_PHASES'] === '0' ? [] : [p2Phases(project)];
    const figures: Figure[] = forms.map((form) => {
      const { ratios, cpu } = versusBare(samples[form], bare);
      const verdict = judgePairs(ratios, GOALS[form]);
      const wall = (xs: Sample[]) => Math.round(median(xs.map((x) => x.wall)));
      return {
        id: `P2-VITEST-${form.toUpperCase()}`,
        name: `Vitest, ${LABELS[form]} ÷ bare with the values set by hand (${FILES} files × ${TESTS} tests × 3 credentials; ${describeVerdict(verdict)}; run ${wall(samples[form])} / ${wall(bare)} ms; CPU ${cpu.toFixed(3)})`,
        value: Math.round(verdict.median * 1000) / 1000,
        unit: 'ratio',
        goal: `≤ ${GOALS[form]}, 95 % upper bound`,
        pass: verdict.verdict === 'pass',
        verdict: verdict.verdict,
      };
    });
    const floor = variants.includes('floor') ? [floorFigure(samples.floor, bare)] : [];
    return [...figures, ...floor, ...phases];
  } finally {
    project.remove();
  }
}
