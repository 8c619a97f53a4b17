#!/usr/bin/env node
// `npm run demo`: the broker end to end, offline, on TEST ONLY secrets.
// 1. the manifest with egress off; 2. a script run through `credential-broker run`: local credentials
// materialised (env vars and a 0600 file), network ones skipped with their reason, every value scrubbed;
// 3. the same credentials through a real Vitest suite and a real Jest suite.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(root, 'fixtures', 'demo');
const cli = join(root, 'dist', 'cli.js');
const bin = (name) => join(root, 'node_modules', '.bin', name);
// The demo's env: source value, a TEST ONLY sentinel; egress forced off whatever the caller's shell says.
const env = { ...process.env, DEMO_SOURCE_TOKEN: 'CANARY_ENV_DEMO_TOKEN_8b41f2', CREDENTIAL_BROKER_EGRESS: '0' };

function step(title) {
  process.stdout.write(`\n\x1b[1m━━ ${title}\x1b[22m\n\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', env, ...options });
  if (result.status !== 0) {
    process.stderr.write(`demo: ${[command, ...args].join(' ')} exited with ${result.status ?? result.signal}\n`);
    process.exit(1);
  }
}

if (!existsSync(cli)) {
  step('Building the package (first run)');
  run('npm', ['run', '--silent', 'build'], { cwd: root, env: { ...env, CB_BUILD_JS_ONLY: '1' } });
}

step('1. credential-broker manifest — egress is off by default');
run(process.execPath, [cli, 'manifest'], { cwd: demo });

step('2. credential-broker run -- node show-credentials.mjs');
run(process.execPath, [cli, 'run', '--', process.execPath, 'show-credentials.mjs'], { cwd: demo });

for (const [number, runner, project, args] of [
  [3, 'Vitest', 'vitest-demo', [bin('vitest'), 'run']],
  [4, 'Jest', 'jest-demo', [bin('jest')]],
]) {
  const dir = join(root, 'fixtures', 'projects', project);
  if (!existsSync(dir)) {
    continue;
  }
  step(`${number}. The example suite under ${runner}`);
  run(args[0], args.slice(1), { cwd: dir });
}

process.stdout.write('\ndemo: done — no secret value was printed above, and the scratch directories are gone.\n');
