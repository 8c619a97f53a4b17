/**
 * A Jest test file that declares credentials but runs in an environment without the broker (fixtures/projects/
 * jest-foreign-env: `@jest-environment node` beside `@credentials`). Its tests ran without their credentials and
 * without a word (found by the third attack on the packed package, 2026-12-07); now the file fails to run with an
 * error naming the file, the line and the fix. Its twin, `@jest-environment node` and no credentials, passes.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLeaks, stripAnsi } from './harness.js';
import { copyJestFixture, runJest } from './jest-harness.js';

const VALUE = `SENTINEL-env-${randomBytes(12).toString('hex')}`;

describe('a @credentials file in an environment without the broker, Jest', () => {
  const project = copyJestFixture('jest-foreign-env');
  let run: Awaited<ReturnType<typeof runJest>>;
  let out: string;

  beforeAll(async () => {
    run = await runJest(project, [], { env: { SRC_API_TOKEN: VALUE }, timeoutMs: 120_000 });
    out = stripAnsi(run.stdout + run.stderr);
  }, 180_000);
  afterAll(() => project.remove());

  it('fails that file with the file, the line and the fix, and no frame of ours', () => {
    expect(run.code, out).toBe(1);
    expect(out).toContain('FAIL tests/declares.test.js');
    expect(out).toContain(
      '@credentials declares API_TOKEN, but @jest-environment node runs this file without the broker, so no test in it would get its credentials'
    );
    expect(out).toContain('tests/declares.test.js:6');
    expect(out).toContain('Use @jest-environment credential-broker/jest-environment (Node)');
    expect(out).not.toMatch(/credential-broker\/dist\//);
  });

  it('runs the twin without credentials as before', () => {
    expect(out).toContain('PASS tests/plain.test.js');
  });

  it('leaves the value nowhere', () => {
    expect(findLeaks([{ where: 'output', text: run.stdout + run.stderr }], { API_TOKEN: VALUE })).toEqual([]);
  });
});
