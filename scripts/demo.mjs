#!/usr/bin/env node
// `npm run demo`: the broker end to end, offline, on TEST ONLY secrets.
// 1. the manifest with egress off; 2. a script run through `credential-broker run`: local credentials
// materialised (env vars and a 0600 file), network ones skipped with their reason, every value scrubbed;
// 3. the same credentials through a real Vitest suite and a real Jest suite.
// `npm run demo -- --egress`: the same with egress on, against the local servers of `credential-broker/testing`
// (Vault, Secrets Manager + STS, Secret Manager + Google STS, Key Vault + Entra) started here, offline: every network
// credential is minted through workload identity and resolved through the official SDK, nothing is skipped.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(root, 'fixtures', 'demo');
const cli = join(root, 'dist', 'cli.js');
const bin = (name) => join(root, 'node_modules', '.bin', name);
// The demo's env: source value, a TEST ONLY sentinel; egress forced off whatever the caller's shell says.
const egress = process.argv.includes('--egress');
const env = {
  ...process.env,
  DEMO_SOURCE_TOKEN: 'CANARY_ENV_DEMO_TOKEN_8b41f2',
  CREDENTIAL_BROKER_EGRESS: egress ? '1' : '0',
};
// TEST ONLY sentinels the local servers hold behind the demo's network refs.
const NETWORK_SECRETS = {
  'vault:secret/db#url': 'postgres://demo:CANARY_DEMO_VAULT_DB_7c1e4a@db.internal:5432/app',
  'aws-sm://payments/api#key': 'CANARY_DEMO_PAYMENTS_KEY_3f9a20',
  'gcp-sm://demo-project/kubeconfig': 'apiVersion: v1\nkind: Config\n# CANARY_DEMO_KUBECONFIG_5d2b81\n',
  'azure-kv://demo-kv/api-token': 'CANARY_DEMO_AZURE_TOKEN_0e6c37',
};

function step(title) {
  process.stdout.write(`\n\x1b[1m━━ ${title}\x1b[22m\n\n`);
}

// Asynchronous: with --egress the local servers live in this process and must answer while the child runs.
async function run(command, args, options = {}) {
  const child = spawn(command, args, { stdio: 'inherit', env, ...options });
  const [status, signal] = await new Promise((done) => child.on('close', (code, sig) => done([code, sig])));
  if (status !== 0) {
    process.stderr.write(`demo: ${[command, ...args].join(' ')} exited with ${status ?? signal}\n`);
    process.exit(1);
  }
}

if (!existsSync(cli) || (egress && !existsSync(join(root, 'dist', 'testing.js')))) {
  step('Building the package (first run)');
  await run('npm', ['run', '--silent', 'build'], { cwd: root, env: { ...env, CB_BUILD_JS_ONLY: '1' } });
}

let fake;
let scratch;
if (egress) {
  step('0. credential-broker/testing: starting the local servers the network refs need (TEST ONLY CA, 127.0.0.1)');
  const { startBackends } = await import(pathToFileURL(join(root, 'dist', 'testing.js')).href);
  fake = await startBackends(NETWORK_SECRETS);
  scratch = mkdtempSync(join(tmpdir(), 'credential-broker-demo-'));
  const fragment = join(scratch, 'backends.json');
  writeFileSync(fragment, JSON.stringify({ backends: fake.backends }));
  Object.assign(env, fake.env, { CREDENTIAL_BROKER_DEMO_BACKENDS: fragment });
  for (const [name, url] of Object.entries(fake.endpoints)) {
    if (name !== 'ca') {
      process.stdout.write(`  ${name.padEnd(18)} ${url}\n`);
    }
  }
}
const stop = async () => {
  await fake?.close();
  if (scratch !== undefined) {
    rmSync(scratch, { recursive: true, force: true });
  }
};
process.on('exit', () => {
  if (scratch !== undefined) {
    rmSync(scratch, { recursive: true, force: true });
  }
});

step(
  `1. credential-broker manifest — ${egress ? 'egress on: every badge, every endpoint' : 'egress is off by default'}`
);
await run(process.execPath, [cli, 'manifest'], { cwd: demo });

step('2. credential-broker run -- node show-credentials.mjs');
await run(process.execPath, [cli, 'run', '--', process.execPath, 'show-credentials.mjs'], { cwd: demo });

if (egress) {
  step('2b. Azure Key Vault through an Entra client assertion: credential-broker run --egress');
  const azure = join(scratch, 'azure');
  mkdirSync(azure);
  writeFileSync(
    join(azure, 'credential-broker.config.json'),
    JSON.stringify({
      backends: { 'azure-kv': fake.backends['azure-kv'] },
      credentials: { AZURE_API_TOKEN: 'azure-kv://demo-kv/api-token' },
    })
  );
  const print = "console.log('AZURE_API_TOKEN =', process.env.AZURE_API_TOKEN)";
  await run(process.execPath, [cli, 'run', '--egress', '--', process.execPath, '-e', print], { cwd: azure });
}

for (const [number, runner, project, args] of [
  [3, 'Vitest', 'vitest-demo', [bin('vitest'), 'run']],
  [4, 'Jest', 'jest-demo', [bin('jest')]],
]) {
  const dir = join(root, 'fixtures', 'projects', project);
  if (!existsSync(dir)) {
    continue;
  }
  step(`${number}. The example suite under ${runner}`);
  await run(args[0], args.slice(1), { cwd: dir });
}

if (egress) {
  step('5. Identities minted, and revoked when each run ended');
  const vault = fake.servers.vault;
  const revoked = vault.issued.filter((t) => t.revoked).length;
  process.stdout.write(`  Vault JWT logins: ${vault.issued.length}, revoked at the end of their run: ${revoked}\n`);
  process.stdout.write(`  AWS STS web-identity sessions minted: ${fake.servers.aws.issued.length}\n`);
  process.stdout.write(`  Google STS + IAM Credentials tokens minted: ${fake.servers.gcpAuth.issued.size}\n`);
  process.stdout.write(`  Entra tokens minted from client assertions: ${fake.servers.entra.issued}\n`);
  await stop();
  if (revoked !== vault.issued.length) {
    process.stderr.write('demo: a Vault login token outlived its run\n');
    process.exit(1);
  }
}

process.stdout.write('\ndemo: done — no secret value was printed above, and the scratch directories are gone.\n');
