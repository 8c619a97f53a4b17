/**
 * Vitest with `isolate: false` under the real CLI (fixtures/projects/vitest-no-isolate), the package installed in
 * node_modules: one worker runs three files in turn. Node evaluates the broker's setup file once per worker there,
 * so only the worker's first file got its hooks:
 * the later files' tests ran without their docblock and `withCredentials` values, silently, and without the
 * released-value check (found by the recheck of the third attack on the packed package, 2026-12-07). The sentinels
 * are generated here (TEST ONLY).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, findLeaks, stripAnsi } from './harness.js';
import { copyFixture, runVitest } from './vitest-harness.js';

const VALUES = {
  API_TOKEN: `SENTINEL-iso-${randomBytes(12).toString('hex')}`,
  OTHER_TOKEN: `SENTINEL-other-${randomBytes(12).toString('hex')}`,
};

describe('Vitest, isolate off: every file of a worker', () => {
  // Installed as npm installs it: linked, Vite would run the setup file itself for each file, and hide the bug.
  const project = copyFixture('vitest-no-isolate', { copyPackage: true });
  let run: Awaited<ReturnType<typeof runVitest>>;

  beforeAll(async () => {
    run = await runVitest(project, [], {
      env: { SRC_API_TOKEN: VALUES.API_TOKEN, SRC_OTHER_TOKEN: VALUES.OTHER_TOKEN },
      timeoutMs: 120_000,
    });
  }, 180_000);
  afterAll(() => project.remove());

  it('gets its values, and none that an unstub put back, in the first file and in the files after it', () => {
    const out = stripAnsi(run.stdout + run.stderr);
    expect(run.code, out).toBe(0);
    expect(out).toContain('Test Files  3 passed (3)');
    expect(out).toContain('Tests  9 passed (9)');
  });

  it('leaves the values nowhere', () => {
    const texts = [
      { where: 'stdout', text: run.stdout },
      { where: 'stderr', text: run.stderr },
      ...filesUnder(project.dir).map((f) => ({ where: f.path, text: f.text })),
    ];
    expect(findLeaks(texts, VALUES)).toEqual([]);
  });
});
