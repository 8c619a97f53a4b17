/**
 * The package as a user installs it: `npm pack` of this repository (built), `npm install --prefer-offline` of the
 * tarball into a temp copy of fixtures/projects/jest-packed, whose config is just `preset: 'credential-broker'`.
 * Jest and its node environment are the peers a user has installed; they are linked from this repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { filesUnder, findLeaks, listTree, repoRoot, stripAnsi } from './harness.js';
import { copyJestFixture, type JestProject, type JestRun, runJest } from './jest-harness.js';

const SOURCE_TOKEN = 'BROKER_CANARY_PACKED_TOKEN_5e81b3';

describe('npm pack tarball with preset: credential-broker', () => {
  let project: JestProject;
  let packDir: string;
  let run: JestRun;

  beforeAll(async () => {
    packDir = mkdtempSync(join(tmpdir(), 'cb-pack-'));
    execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', packDir], {
      cwd: repoRoot,
      stdio: 'ignore',
    });
    const [tarball] = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
    project = copyJestFixture('jest-packed', { linkPackage: false });
    execFileSync(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(packDir, tarball as string)],
      { cwd: project.dir, stdio: 'ignore' }
    );
    for (const peer of ['jest', 'jest-environment-node']) {
      symlinkSync(join(repoRoot, 'node_modules', peer), join(project.dir, 'node_modules', peer), 'dir');
    }
    run = await runJest(project, [], {
      bin: join(project.dir, 'node_modules', 'jest', 'bin', 'jest.js'),
      env: { PACKED_SOURCE_TOKEN: SOURCE_TOKEN },
    });
  }, 180_000);

  afterAll(() => {
    project?.remove();
    rmSync(packDir, { recursive: true, force: true });
  });

  test('runs from the installed copy, not from this repository', () => {
    const installed = realpathSync(join(project.dir, 'node_modules', 'credential-broker'));
    expect(installed.startsWith(project.dir)).toBe(true);
    expect(readdirSync(join(installed, 'dist'))).toEqual(
      expect.arrayContaining(['jest-preset.cjs', 'jest-environment.cjs', 'jest-runner.cjs', 'jest-reporter.cjs'])
    );
  });

  test('materialises, skips with the reason, redacts, and leaves nothing behind', () => {
    const stderr = stripAnsi(run.stderr);
    expect(run.code, stderr).toBe(0);
    expect(stderr).toContain('Tests:       1 skipped, 2 passed, 3 total');
    // One test file: Jest's verbose console writes to stdout at once.
    const stdout = stripAnsi(run.stdout);
    expect(stdout).toContain('packed key: [redacted:PACKED_KEY]');
    expect(stdout).toContain('packed token: [redacted:PACKED_TOKEN]');
    expect(stderr).toContain(
      '  ○ needs the network — REMOTE_DB needs vault:secret/db#url (https://vault.internal:8200, self-hosted)'
    );
    const texts = [
      { where: 'stdout', text: run.stdout },
      { where: 'stderr', text: run.stderr },
      ...filesUnder(project.outDir).map((f) => ({ where: f.path, text: f.text })),
    ];
    const key = readFileSync(join(project.dir, 'secrets', 'key.txt'), 'utf8');
    expect(findLeaks(texts, { PACKED_TOKEN: SOURCE_TOKEN, PACKED_KEY: key })).toEqual([]);
    expect(listTree(project.runtimeDir)).toEqual([]);
  });
});
