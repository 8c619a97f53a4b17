/**
 * What the runner's main process prints itself, under the real Vitest and Jest CLIs (fixtures/projects/*-global-server):
 * a fake API started in the user's own global setup logs the requests tests make, with the credential in a header and
 * a query. Jest's main process printed it raw (found by the second attack on the packed package, 2026-12-07); Vitest's
 * was scrubbed. The server also logs as pino (sonic-boom) does, with fs.writeSync, fs.write and fs.writevSync to fd 1 and 2, which
 * bypassed the scrubbed streams in both runners (found by the third attack). Each run goes once with stdout a pipe
 * and once with stdout a file (where Node's stream writes with fs.writeSync itself). Each run also sends a harmless
 * token, which must print verbatim. The sentinel is generated here (TEST ONLY).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, findLeaks, stripAnsi } from './harness.js';
import { copyJestFixture, runJest } from './jest-harness.js';
import { copyFixture, runVitest } from './vitest-harness.js';

const VALUE = `SENTINEL-main-${randomBytes(12).toString('hex')}`;
const env = { SRC_API_TOKEN: VALUE, NO_PROXY: '127.0.0.1,localhost' };

const RUNNERS = {
  vitest: {
    copy: () => copyFixture('vitest-global-server'),
    run: (copy: ReturnType<typeof copyFixture>, stdoutFile?: string) =>
      runVitest(copy, [], { env, timeoutMs: 120_000, ...(stdoutFile === undefined ? {} : { stdoutFile }) }),
  },
  jest: {
    copy: () => copyJestFixture('jest-global-server'),
    run: (copy: ReturnType<typeof copyJestFixture>, stdoutFile?: string) =>
      runJest(copy, [], { env, timeoutMs: 120_000, ...(stdoutFile === undefined ? {} : { stdoutFile }) }),
  },
} as const;

const CASES = (Object.keys(RUNNERS) as (keyof typeof RUNNERS)[]).flatMap((name) =>
  (['a pipe', 'a file'] as const).map((stdout) => [name, stdout] as const)
);

describe.each(CASES)("the main process's own output, %s, stdout %s", (name, stdout) => {
  const runner = RUNNERS[name];
  const project = runner.copy();
  let run: Awaited<ReturnType<typeof runner.run>>;
  let out: string;

  beforeAll(async () => {
    run = await runner.run(project as never, stdout === 'a file' ? join(project.outDir, 'stdout.txt') : undefined);
    out = stripAnsi(run.stdout + run.stderr);
  }, 180_000);
  afterAll(() => project.remove());

  it('runs green', () => {
    expect(run.code, out).toBe(0);
  });

  it("redacts the value in the server's log, and prints the harmless token's log verbatim", () => {
    expect(out).toContain('server saw auth=Bearer [redacted:API_TOKEN]');
    expect(out).toContain('server saw url=/api?token=[redacted:API_TOKEN]');
    expect(out).toContain('server saw auth=Bearer harmless-CANARY-server-token\n');
    expect(out).toContain('server saw url=/api?token=harmless-CANARY-server-token\n');
  });

  it('redacts it in what the server wrote to fd 1 and 2 with fs.writeSync, fs.write and fs.writevSync, and keeps the twin', () => {
    expect(out).toContain('fd1 sync saw auth=Bearer [redacted:API_TOKEN]\n');
    expect(out).toContain('fd2 sync saw url=/api?token=[redacted:API_TOKEN]\n');
    expect(out).toContain('fd1 async saw auth=Bearer [redacted:API_TOKEN]\n');
    expect(out).toContain('fd2 writev saw auth=Bearer [redacted:API_TOKEN]\n');
    expect(out).toContain('fd1 sync saw auth=Bearer harmless-CANARY-server-token\n');
    expect(out).toContain('fd2 sync saw url=/api?token=harmless-CANARY-server-token\n');
    expect(out).toContain('fd1 async saw auth=Bearer harmless-CANARY-server-token\n');
    expect(out).toContain('fd2 writev saw auth=Bearer harmless-CANARY-server-token\n');
  });

  it('leaves the value nowhere: output and every file of the project', () => {
    const texts = [
      { where: 'stdout', text: run.stdout },
      { where: 'stderr', text: run.stderr },
      ...filesUnder(project.dir).map((f) => ({ where: f.path, text: f.text })),
    ];
    expect(findLeaks(texts, { API_TOKEN: VALUE })).toEqual([]);
  });
});
