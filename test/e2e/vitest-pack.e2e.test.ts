/**
 * The package as a user installs it: `npm pack` of this repository, installed with Vitest from the npm cache into a
 * fresh project holding the demo suite (fixtures/projects/vitest-demo and the fixtures its config points at), then
 * run with that project's own Vitest.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTree, repoRoot, stripAnsi } from './harness.js';
import { type FixtureCopy, type RunResult, runVitest } from './vitest-harness.js';

// TEST ONLY sentinels behind the demo's local refs (env:, age:).
const DEMO_TOKEN = 'CANARY_ENV_DEMO_TOKEN_8b41f2';
const AGE_TOKEN = 'CANARY_AGE_DEMO_TOKEN_7f3a91';

let base: string;
let project: FixtureCopy;
let run: RunResult;

function npm(args: readonly string[], cwd: string): string {
  return execFileSync('npm', [...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'cb-pack-'));
  const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', base], repoRoot)) as {
    filename: string;
  }[];
  const app = join(base, 'app');
  for (const dir of ['projects/vitest-demo', 'demo', 'sops', 'age']) {
    cpSync(join(repoRoot, 'fixtures', dir), join(app, 'fixtures', dir), { recursive: true });
  }
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ private: true, type: 'module' }, null, 2)}\n`);
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', join(base, packed!.filename), 'vitest@4.1.12'], app);
  const dir = join(app, 'fixtures', 'projects', 'vitest-demo');
  const runtimeDir = join(base, 'run');
  mkdirSync(runtimeDir, { mode: 0o700 });
  mkdirSync(join(base, 'out'));
  project = {
    dir,
    runtimeDir,
    outDir: join(base, 'out'),
    remove: () => rmSync(base, { recursive: true, force: true }),
  };
  run = await runVitest(project, [], {
    bin: join(app, 'node_modules', 'vitest', 'vitest.mjs'),
    env: { DEMO_SOURCE_TOKEN: DEMO_TOKEN },
  });
}, 300_000);

afterAll(() => project?.remove());

describe('the packed tarball, installed into a fresh project', () => {
  it('installs the built files only, resolved from node_modules', () => {
    const installed = join(base, 'app', 'node_modules', 'credential-broker');
    expect(existsSync(join(installed, 'dist', 'vitest.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'vitest-setup.js'))).toBe(true);
    expect(readdirSync(installed).sort()).toEqual(expect.arrayContaining(['dist', 'package.json']));
    expect(readdirSync(installed)).not.toContain('vitest-plugin');
  });

  it('runs the demo suite: local credentials delivered, api-lane tests skipped with reasons', () => {
    const stdout = stripAnsi(run.stdout);
    expect({ code: run.code, stderr: stripAnsi(run.stderr) }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('Tests  4 passed | 3 skipped (7)');
    expect(stdout).toContain('calling the API with token [redacted:DEMO_API_TOKEN]');
    expect(stdout).toContain("DEMO_AGE_TOKEN: '[redacted:DEMO_AGE_TOKEN]'");
    expect(stdout).toContain('credential-broker: 3 tests skipped for missing credentials');
    expect(stdout).toContain(
      '  PAYMENTS_KEY needs aws-sm:payments/api#key (https://secretsmanager.eu-west-1.amazonaws.com, managed-cloud) but egress is disabled — 1 test'
    );
  });

  it('prints no value and leaves no scratch directory', () => {
    for (const needle of [DEMO_TOKEN, AGE_TOKEN]) {
      expect(run.stdout).not.toContain(needle);
      expect(run.stderr).not.toContain(needle);
    }
    expect(listTree(project.runtimeDir)).toEqual([]);
  });
});
