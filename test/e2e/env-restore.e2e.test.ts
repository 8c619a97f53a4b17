/**
 * A test's own env restore run after the broker took its values back, under the real Vitest and Jest CLIs
 * (fixtures/projects/*-restore): Vitest's unstubEnvs after vi.stubEnv, Jest's restoreMocks after
 * jest.replaceProperty, and a copy of process.env taken in beforeEach and assigned back in afterEach. Each put the
 * credential back for every later test and child process (found by the third attack on the packed package, G1). The
 * fixtures' tests assert what later tests, later files and their child processes see; a user's own variable,
 * stubbed and restored the same way, must come back exactly as the runner restores it. Sentinels: TEST ONLY.
 */
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, findLeaks, type ProjectCopy, stripAnsi } from './harness.js';
import { copyJestFixture, runJest } from './jest-harness.js';
import { copyFixture, runVitest } from './vitest-harness.js';

// Set by hand before the run: CANARY_DB is a credential name with an original to restore, OWN_SETTING the user's own.
const env = { CANARY_DB: 'db by hand', OWN_SETTING: 'own by hand' };

const RUNNERS = {
  vitest: {
    copy: () => copyFixture('vitest-restore'),
    // One worker for every file, in name order (the fixture's sequencer): the last file sees what the others left.
    run: (copy: ProjectCopy) => runVitest(copy, ['--isolate=false', '--no-file-parallelism'], { env }),
    summary: /Tests {2}6 passed \(6\)/,
  },
  jest: {
    copy: () => copyJestFixture('jest-restore'),
    run: (copy: ProjectCopy) => runJest(copy, ['--ci'], { env }),
    summary: /Tests: {7}7 passed, 7 total/,
  },
} as const;

describe.each(Object.keys(RUNNERS) as (keyof typeof RUNNERS)[])('an env restore after the release, %s', (name) => {
  const runner = RUNNERS[name];
  const project = runner.copy();
  let run: Awaited<ReturnType<typeof runner.run>>;
  let out: string;

  beforeAll(async () => {
    run = await runner.run(project);
    out = stripAnsi(run.stdout + run.stderr);
  }, 180_000);
  afterAll(() => project.remove());

  it('runs green: later tests (and files) and their children see no value, the by-hand original, the own variable', () => {
    expect(run.code, out).toBe(0);
    expect(out).toMatch(runner.summary);
  });

  it('leaves the values nowhere: output and every file of the run', () => {
    const secret = (file: string) => readFileSync(join(project.dir, 'secrets', file), 'utf8');
    const texts = [
      { where: 'stdout', text: run.stdout },
      { where: 'stderr', text: run.stderr },
      ...[...filesUnder(project.dir), ...filesUnder(project.outDir)]
        .filter((f) => !f.path.includes(`${sep}secrets${sep}`))
        .map((f) => ({ where: f.path, text: f.text })),
    ];
    expect(findLeaks(texts, { CANARY_TOKEN: secret('token.txt'), CANARY_DB: secret('db.txt') })).toEqual([]);
  });
});
