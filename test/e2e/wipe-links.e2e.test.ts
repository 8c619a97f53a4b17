/**
 * The wipe never writes to a user's file, under the real Vitest and Jest CLIs (fixtures/projects/*-wipe): a test
 * puts hard links to a file of the project where its 0600 credential file was and beside it, in its private
 * directory. The scratch root is on the project's filesystem (the harness's XDG_RUNTIME_DIR), as /tmp is in many CI
 * containers. Before the fix the wipe zeroed the user's file through the link (attack round 11, F1). TEST ONLY values.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listTree, stripAnsi } from './harness.js';
import { copyJestFixture, runJest } from './jest-harness.js';
import { copyFixture, runVitest } from './vitest-harness.js';

const RUNNERS = {
  vitest: { copy: () => copyFixture('vitest-wipe'), run: runVitest },
  jest: { copy: () => copyJestFixture('jest-wipe'), run: runJest },
} as const;

describe.each(Object.keys(RUNNERS) as (keyof typeof RUNNERS)[])('hard links in a private directory, %s', (name) => {
  it("are unlinked at the test's end and the user's file keeps its content", async () => {
    const runner = RUNNERS[name];
    const project = runner.copy();
    try {
      const precious = join(project.dir, 'precious.txt');
      const before = readFileSync(precious, 'utf8');
      const run = await runner.run(project, [], {});
      expect(run.code, stripAnsi(run.stdout + run.stderr)).toBe(0);
      expect(readFileSync(precious, 'utf8')).toBe(before);
      expect(before).toBe('user data the run must leave alone\n');
      expect(listTree(project.runtimeDir)).toEqual([]);
    } finally {
      project.remove();
    }
  }, 120_000);
});
