/**
 * The Vitest config's own error hooks under the real CLI (fixtures/projects/vitest-error-hooks): `onStackTrace` and
 * `onUnhandledError` are user code in the main process, called before any reporter, and forward what they get to a
 * file here. They got the raw value (found by the third attack on the packed package, 2026-12-07). Each error has a
 * harmless twin whose token must arrive verbatim. The sentinel is generated here (TEST ONLY).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, findLeaks, stripAnsi } from './harness.js';
import { copyFixture, runVitest } from './vitest-harness.js';

const VALUE = `SENTINEL-hooks-${randomBytes(12).toString('hex')}`;

describe("the Vitest config's error hooks", () => {
  const project = copyFixture('vitest-error-hooks');
  const hooksOut = join(project.outDir, 'hooks.log');
  let run: Awaited<ReturnType<typeof runVitest>>;
  let forwarded: string;

  beforeAll(async () => {
    run = await runVitest(project, [], { env: { SRC_API_TOKEN: VALUE, HOOKS_OUT: hooksOut }, timeoutMs: 120_000 });
    forwarded = readFileSync(hooksOut, 'utf8');
  }, 180_000);
  afterAll(() => project.remove());

  it('fails the two failing tests only', () => {
    expect(run.code, stripAnsi(run.stdout + run.stderr)).toBe(1);
    expect(stripAnsi(run.stdout)).toMatch(/2 failed \| 2 passed/);
  });

  it('hands onStackTrace the failed assertion redacted, and its harmless twin verbatim', () => {
    expect(forwarded).toContain("onStackTrace {\"message\":\"expected 'x[redacted:API_TOKEN]' to be 'y'");
    expect(forwarded).toContain("onStackTrace {\"message\":\"expected 'xharmless-CANARY-hook-token' to be 'y'");
  });

  it('hands onUnhandledError the error redacted (message, stack, own properties), and its twin verbatim', () => {
    const lines = forwarded.split('\n').filter((line) => line.startsWith('onUnhandledError '));
    const errors = lines.map((line) => JSON.parse(line.slice('onUnhandledError '.length)));
    expect(errors.map((e) => e.message).sort()).toEqual([
      'late [redacted:API_TOKEN]',
      'late harmless-CANARY-hook-token',
    ]);
    const redacted = errors.find((e) => e.message === 'late [redacted:API_TOKEN]');
    expect(redacted.stack).toContain('Error: late [redacted:API_TOKEN]');
    expect(redacted.extra).toEqual({ token: '[redacted:API_TOKEN]' });
    expect(errors.find((e) => e.message.includes('harmless')).extra).toEqual({ token: 'harmless-CANARY-hook-token' });
  });

  it('leaves the value nowhere: the hooks file, output and every file of the project', () => {
    const texts = [
      { where: 'hooks.log', text: forwarded },
      { where: 'stdout', text: run.stdout },
      { where: 'stderr', text: run.stderr },
      ...filesUnder(project.dir).map((f) => ({ where: f.path, text: f.text })),
    ];
    expect(findLeaks(texts, { API_TOKEN: VALUE })).toEqual([]);
  });
});
