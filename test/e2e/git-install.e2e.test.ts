/**
 * Installable before publication: `npm install -D git+file://…` of this repository into a fresh project builds the
 * package through its `prepare` script, and the installed CLI and Vitest plugin work. The repository is committed
 * as it is now (tracked files, working-tree contents) into a temp git repository, so the test sees uncommitted
 * edits too. npm fetches from its cache first (`--prefer-offline`): no network except the npm registry, for what
 * the cache lacks. Vitest itself is this repository's, linked in, as in the other e2e tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, stripAnsi } from './harness.js';

// TEST ONLY sentinel.
const SENTINEL = 'SENTINEL-git-install-5d2e8c71';
let base: string;
let project: string;
let runtime: string;
let installed: ReturnType<typeof spawnSync>;

const env = () => ({
  ...process.env,
  // JavaScript only: the types take most of the build, and this test runs the CLI and the plugin, not tsc.
  CB_BUILD_JS_ONLY: '1',
  NO_COLOR: '1',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  XDG_RUNTIME_DIR: runtime,
  SOURCE_TOKEN: SENTINEL,
  CREDENTIAL_BROKER_EGRESS: '',
  VITEST: undefined,
  VITEST_POOL_ID: undefined,
  VITEST_WORKER_ID: undefined,
  NODE_OPTIONS: undefined,
  TEST: undefined,
});

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'cb-git-install-'));
  runtime = join(base, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  // The package as a git repository: this checkout's tracked files, as they are in the working tree.
  const source = join(base, 'source');
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(repoRoot, f)));
  for (const file of tracked) {
    mkdirSync(dirname(join(source, file)), { recursive: true });
    copyFileSync(join(repoRoot, file), join(source, file));
  }
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', ...args], {
      cwd: source,
      stdio: 'pipe',
    });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'snapshot');

  project = join(base, 'project');
  mkdirSync(join(project, 'tests'), { recursive: true });
  writeFileSync(join(project, 'package.json'), '{ "name": "tiny", "private": true, "type": "module" }\n');
  writeFileSync(
    join(project, 'credential-broker.config.yaml'),
    '# TEST ONLY\ncredentials:\n  API_TOKEN: env:SOURCE_TOKEN\n'
  );
  writeFileSync(
    join(project, 'vitest.config.ts'),
    "import { credentialBroker } from 'credential-broker/vitest/plugin';\nimport { defineConfig } from 'vitest/config';\n\nexport default defineConfig({ plugins: [credentialBroker()] });\n"
  );
  writeFileSync(
    join(project, 'tests', 'api.test.ts'),
    "/**\n * @credentials API_TOKEN\n */\nimport { expect, test } from 'vitest';\n\ntest('has the token', () => {\n  expect(process.env.API_TOKEN?.startsWith('SENTINEL-')).toBe(true);\n  console.log('token', process.env.API_TOKEN);\n});\n"
  );
  installed = spawnSync(
    'npm',
    ['install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', `git+file://${source}`],
    { cwd: project, env: env(), encoding: 'utf8', timeout: 900_000 }
  );
  // Vitest is a peer dependency the project brings; this repository's, linked (npm left node_modules/.bin alone).
  if (!existsSync(join(project, 'node_modules', 'vitest'))) {
    symlinkSync(join(repoRoot, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'), 'dir');
  }
}, 960_000);

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('npm install git+file://', () => {
  it('installs, running prepare to build dist/', () => {
    expect(installed.status, String(installed.stderr)).toBe(0);
    const pkg = join(project, 'node_modules', 'credential-broker');
    expect(existsSync(join(pkg, 'dist', 'cli.js'))).toBe(true);
    expect(existsSync(join(pkg, 'dist', 'vitest.js'))).toBe(true);
    // What `files` ships, not the repository.
    expect(existsSync(join(pkg, 'src'))).toBe(false);
    expect(existsSync(join(pkg, 'test'))).toBe(false);
  });

  it('runs the installed CLI', () => {
    const bin = join(project, 'node_modules', '.bin', 'credential-broker');
    const version = spawnSync(bin, ['--version'], { cwd: project, env: env(), encoding: 'utf8' });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const run = spawnSync(bin, ['run', '--', process.execPath, '-e', 'console.log("token", process.env.API_TOKEN)'], {
      cwd: project,
      env: env(),
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe('token [redacted:API_TOKEN]\n');
    expect(run.stdout + run.stderr).not.toContain(SENTINEL);
  }, 60_000);

  it('runs the installed Vitest plugin', () => {
    const run = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], {
      cwd: project,
      env: env(),
      encoding: 'utf8',
      timeout: 180_000,
    });
    const out = stripAnsi(run.stdout + run.stderr);
    expect(run.status, out).toBe(0);
    expect(out).toContain('token [redacted:API_TOKEN]');
    expect(out).toContain('1 passed');
    expect(out).not.toContain(SENTINEL);
  }, 240_000);
});
