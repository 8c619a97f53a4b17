/**
 * P2 (guard): the P2 Vitest suite (FILES files × 5 tests × 3 credentials) with `egress.guard: 'report'` against the same
 * suite with `egress.guard: 'off'`; every test also opens one TCP connection to a loopback listener, so the guard's
 * socket patch and its judgement run once per test. The listener lives in this process: the runs are spawned
 * asynchronously (a process blocked in spawnSync could not accept them).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Figure } from './figure.js';
import { benchProject, FILES, TESTS, writeCredentials } from './p2-common.js';
import { describeVerdict, judgePairs } from './p2-stats.js';

const GUARD_PAIRS = Number(process.env['BENCH_P2_GUARD_PAIRS'] ?? 6);

function writeSuite(dir: string, port: number): void {
  writeCredentials(dir);
  // The same credentials, from a config that reads the mode of each run.
  rmSync(join(dir, 'credential-broker.config.json'));
  writeFileSync(
    join(dir, 'credential-broker.config.mjs'),
    [
      'export default {',
      '  egress: { guard: process.env.P2_GUARD },',
      '  credentials: {',
      "    BENCH_A: 'file:secrets/a.txt',",
      "    BENCH_B: 'file:secrets/b.txt',",
      "    BENCH_C: { ref: 'file:secrets/c.txt', as: 'file' },",
      '  },',
      '};',
      '',
    ].join('\n')
  );
  writeFileSync(
    join(dir, 'vitest.config.mjs'),
    [
      "import { defineConfig } from 'vitest/config';",
      "import { credentialBroker } from 'credential-broker/vitest/plugin';",
      "export default defineConfig({ plugins: [credentialBroker()], test: { include: ['tests/**/*.test.js'] } });",
    ].join('\n')
  );
  mkdirSync(join(dir, 'tests'));
  const body = [
    '/**',
    ' * @credentials BENCH_A, BENCH_B, BENCH_C',
    ' */',
    "import { connect } from 'node:net';",
    "import { expect, test } from 'vitest';",
    `for (let i = 0; i < ${TESTS}; i++) {`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source of a generated file
    '  test(`test ${i}`, async () => {',
    '    expect(process.env.BENCH_A).toBeDefined();',
    '    await new Promise((resolve, reject) => {',
    `      const socket = connect(${port}, '127.0.0.1');`,
    "      socket.on('connect', () => { socket.destroy(); resolve(); }).on('error', reject);",
    '    });',
    '  });',
    '}',
    '',
  ].join('\n');
  for (let f = 0; f < FILES; f++) {
    writeFileSync(join(dir, 'tests', `f${String(f).padStart(3, '0')}.test.js`), body);
  }
}

function runOnce(project: { dir: string; vitest: string }, guard: 'off' | 'report'): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, [project.vitest, 'run', '--reporter=dot'], {
    cwd: project.dir,
    env: { ...process.env, P2_GUARD: guard, CI: '1', CREDENTIAL_BROKER_EGRESS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const elapsed = performance.now() - start;
      if (code !== 0 || !output.includes(`${FILES * TESTS} passed`)) {
        reject(new Error(`P2-GUARD: the run with the guard ${guard} failed (exit ${code})\n${output}`));
      } else {
        resolve(elapsed);
      }
    });
  });
}

/** P2 (guard): wall time with the guard in report mode ÷ guard off, alternated pairs. */
export async function p2Guard(): Promise<Figure> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const project = benchProject('cb-p2-guard-');
  try {
    writeSuite(project.dir, port);
    await runOnce(project, 'off');
    await runOnce(project, 'report');
    // Pairs, alternating which runs first; fewer than P2's forms (the guard is on in every one of those runs too).
    const ratios: number[] = [];
    for (let pair = 0; pair < GUARD_PAIRS; pair++) {
      const order = pair % 2 === 0 ? (['off', 'report'] as const) : (['report', 'off'] as const);
      const ms: Record<string, number> = {};
      for (const guard of order) {
        ms[guard] = await runOnce(project, guard);
      }
      ratios.push((ms['report'] ?? 0) / (ms['off'] ?? 1));
    }
    if (connections < FILES * TESTS * (2 + 2 * GUARD_PAIRS)) {
      throw new Error(`P2-GUARD: the listener saw ${connections} connections, fewer than the tests opened`);
    }
    const verdict = judgePairs(ratios, 1.01);
    return {
      id: 'P2-GUARD',
      name: `Vitest wall time, egress guard report ÷ off (P2 suite, one loopback connection per test; ${describeVerdict(verdict)})`,
      value: Math.round(verdict.median * 1000) / 1000,
      unit: 'ratio',
      goal: '≤ 1.01, 95 % upper bound',
      pass: verdict.verdict === 'pass',
      verdict: verdict.verdict,
    };
  } finally {
    project.remove();
    server.close();
  }
}
