#!/usr/bin/env node
// `npm run test:contract`: the contract suite against the real services, one Vitest run per service. A service whose
// address and credentials are not in the environment runs with egress off: the broker skips its test with the reason.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MISSING = {
  vault: ['VAULT_ADDR', 'VAULT_TOKEN', 'CB_CONTRACT_VAULT_REF'],
  aws: ['AWS_REGION', 'CB_CONTRACT_AWS_REF'],
  gcp: ['GOOGLE_APPLICATION_CREDENTIALS', 'CB_CONTRACT_GCP_REF'],
  azure: ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'CB_CONTRACT_AZURE_REF'],
};
const only = process.argv.slice(2).filter((a) => a in MISSING);
let failed = 0;
for (const service of only.length > 0 ? only : Object.keys(MISSING)) {
  const missing = MISSING[service].filter((name) => (process.env[name] ?? '') === '');
  process.stdout.write(
    `\ncontract: ${service} — ${missing.length === 0 ? 'real service, egress on' : `skipped by the broker: set ${missing.join(', ')}`}\n`
  );
  const env = { ...process.env, CB_CONTRACT_SERVICE: service };
  delete env.CREDENTIAL_BROKER_EGRESS;
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const child = spawn(process.execPath, [vitest, 'run', '--config', 'vitest.contract.config.mjs'], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  const code = await new Promise((done) => child.on('close', (c) => done(c ?? 1)));
  failed += code === 0 ? 0 : 1;
}
process.exit(failed === 0 ? 0 : 1);
