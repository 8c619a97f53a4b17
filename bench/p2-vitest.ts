/**
 * P2 (Vitest): 200 files × 5 tests, each test receiving 3 credentials (2 env vars, 1 file) through the plugin, against
 * the same suite under bare Vitest. Both run back to back in this one process, alternating, as a user installs the
 * package (a copy in node_modules, so Vitest externalises it).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Figure } from './figure.js';
import { benchProject, FILES, median, TESTS, writeCredentials } from './p2-common.js';

// bench/p5-worker.ts imports it from here.
export { benchProject } from './p2-common.js';

function writeSuite(dir: string): void {
  writeCredentials(dir);
  const config = (plugin: boolean) =>
    [
      "import { defineConfig } from 'vitest/config';",
      plugin ? "import { credentialBroker } from 'credential-broker/vitest';" : '',
      `export default defineConfig({ ${plugin ? 'plugins: [credentialBroker()], ' : ''}test: { include: ['tests/**/*.test.js'] } });`,
    ].join('\n');
  writeFileSync(join(dir, 'vitest.plugin.config.mjs'), config(true));
  writeFileSync(join(dir, 'vitest.bare.config.mjs'), config(false));
  mkdirSync(join(dir, 'tests'));
  const body = [
    '/**',
    ' * @credentials BENCH_A, BENCH_B, BENCH_C',
    ' */',
    "import { expect, test } from 'vitest';",
    'const delivered = process.env.P2_PLUGIN === "1";',
    `for (let i = 0; i < ${TESTS}; i++) {`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source of a generated file
    '  test(`test ${i}`, () => {',
    '    expect(process.env.BENCH_A !== undefined && process.env.BENCH_C !== undefined).toBe(delivered);',
    '  });',
    '}',
    '',
  ].join('\n');
  for (let f = 0; f < FILES; f++) {
    writeFileSync(join(dir, 'tests', `f${String(f).padStart(3, '0')}.test.js`), body);
  }
}

function runOnce(project: { dir: string; vitest: string }, plugin: boolean): number {
  const start = performance.now();
  const result = spawnSync(
    process.execPath,
    [project.vitest, 'run', '--config', `vitest.${plugin ? 'plugin' : 'bare'}.config.mjs`, '--reporter=dot'],
    {
      cwd: project.dir,
      encoding: 'utf8',
      env: { ...process.env, P2_PLUGIN: plugin ? '1' : '0', CI: '1', CREDENTIAL_BROKER_EGRESS: '0' },
    }
  );
  const elapsed = performance.now() - start;
  if (result.status !== 0 || !result.stdout.includes(`${FILES * TESTS} passed`)) {
    throw new Error(
      `P2: the ${plugin ? 'plugin' : 'bare'} run failed (exit ${result.status})\n${result.stdout}\n${result.stderr}`
    );
  }
  return elapsed;
}

/** P2 (Vitest): wall time with the plugin ÷ bare Vitest, medians of alternating runs. */
export async function p2Vitest(): Promise<Figure> {
  const project = benchProject('cb-p2-vitest-');
  try {
    writeSuite(project.dir);
    // One warm-up of each fills Vite's caches and the OS page cache; then alternate so drift hits both alike.
    runOnce(project, false);
    runOnce(project, true);
    const bare: number[] = [];
    const plugin: number[] = [];
    for (const order of [
      [false, true],
      [true, false],
    ] as const) {
      for (const withPlugin of order) {
        (withPlugin ? plugin : bare).push(runOnce(project, withPlugin));
      }
    }
    const ratio = median(plugin) / median(bare);
    return {
      id: 'P2-VITEST',
      name: `Vitest wall time, plugin ÷ bare (${FILES} files × ${TESTS} tests × 3 credentials; medians ${Math.round(median(plugin))} / ${Math.round(median(bare))} ms)`,
      value: Math.round(ratio * 1000) / 1000,
      unit: 'ratio',
      goal: '≤ 1.05',
      pass: ratio <= 1.05,
    };
  } finally {
    project.remove();
  }
}
