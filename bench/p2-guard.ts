/**
 * P2 (guard): the P2 Vitest suite (200 files × 5 tests × 3 credentials) with `egress.guard: 'report'` against the same
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
import { benchProject, FILES, median, TESTS, writeCredentials } from './p2-common.js';

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
      "import { credentialBroker } from 'credential-broker/vitest';",
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

/** P2 (guard): wall time with the guard in report mode ÷ guard off, medians of alternating runs. */
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
    const off: number[] = [];
    const on: number[] = [];
    for (const order of [
      ['off', 'report'],
      ['report', 'off'],
    ] as const) {
      for (const guard of order) {
        (guard === 'report' ? on : off).push(await runOnce(project, guard));
      }
    }
    if (connections < FILES * TESTS * 6) {
      throw new Error(`P2-GUARD: the listener saw ${connections} connections, fewer than the tests opened`);
    }
    const ratio = median(on) / median(off);
    return {
      id: 'P2-GUARD',
      name: `Vitest wall time, egress guard report ÷ off (P2 suite, one loopback connection per test; medians ${Math.round(median(on))} / ${Math.round(median(off))} ms)`,
      value: Math.round(ratio * 1000) / 1000,
      unit: 'ratio',
      goal: '≤ 1.01',
      pass: ratio <= 1.01,
    };
  } finally {
    project.remove();
    server.close();
  }
}
