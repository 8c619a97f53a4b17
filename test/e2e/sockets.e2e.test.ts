/**
 * R3: with the default config (egress off), a whole Vitest run and a whole Jest run — main process and every
 * worker — open no inet socket and resolve no name. Each process is recorded from inside (test/helpers/
 * record-inet.cjs through NODE_OPTIONS); the broker's own Unix socket must show up, so the recorder is proven live.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordFigure } from '../helpers/figures.js';
import { type ProjectCopy, repoRoot } from './harness.js';
import { copyJestFixture, runJest } from './jest-harness.js';
import { copyFixture, runVitest } from './vitest-harness.js';

const recorder = join(repoRoot, 'test', 'helpers', 'record-inet.cjs');
const copies: ProjectCopy[] = [];
afterAll(() => {
  for (const copy of copies) {
    copy.remove();
  }
});

const RUNS = {
  vitest: async () => {
    const p = copyFixture('ci-scan');
    copies.push(p);
    const file = join(p.outDir, 'sockets.log');
    await runVitest(p, [], { env: { NODE_OPTIONS: `--require ${recorder}`, RECORD_INET_FILE: file } });
    return file;
  },
  jest: async () => {
    const p = copyJestFixture('ci-scan');
    copies.push(p);
    const file = join(p.outDir, 'sockets.log');
    await runJest(p, [], { env: { NODE_OPTIONS: `--require ${recorder}`, RECORD_INET_FILE: file } });
    return file;
  },
} as const;

describe.each(Object.keys(RUNS) as (keyof typeof RUNS)[])('%s with the default config', (runner) => {
  it('opens no inet socket in any process, only the broker’s Unix socket', async () => {
    const file = await RUNS[runner]();
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    const inet = lines.filter((line) => line.split(' ')[1] === 'inet');
    const unix = lines.filter((line) => line.split(' ')[1] === 'unix');
    expect(inet).toEqual([]);
    expect(unix.length).toBeGreaterThan(0);
    recordFigure('R3', runner, { inet: inet.length, processes: new Set(lines.map((l) => l.split(' ')[0])).size });
  }, 120_000);
});
