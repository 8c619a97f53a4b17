/**
 * `npm run demo -- --egress`: the whole flow offline against the shipped local servers. It must pass, show the
 * network credentials resolved (no egress-off skip anywhere), and print none of the servers' TEST ONLY values.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runNode, stripAnsi } from './harness.js';

// The sentinels scripts/demo.mjs seeds the local servers with, and the demo's local ones.
const SENTINELS = [
  'CANARY_DEMO_VAULT_DB_7c1e4a',
  'CANARY_DEMO_PAYMENTS_KEY_3f9a20',
  'CANARY_DEMO_KUBECONFIG_5d2b81',
  'CANARY_DEMO_AZURE_TOKEN_0e6c37',
  'CANARY_ENV_DEMO_TOKEN_8b41f2',
];

let status: number | null;
let output: string;
beforeAll(async () => {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env['CREDENTIAL_BROKER_EGRESS'];
  delete env['VITEST'];
  delete env['NODE_OPTIONS'];
  const run = await runNode([join(repoRoot, 'scripts', 'demo.mjs'), '--egress'], {
    cwd: repoRoot,
    env,
    timeoutMs: 390_000,
  });
  status = run.code;
  output = stripAnsi(`${run.stdout}${run.stderr}`);
}, 400_000);

describe('npm run demo -- --egress', () => {
  it('passes, with every network credential resolved and no egress-off skip', () => {
    expect({ status, tail: output.slice(-2000) }).toMatchObject({ status: 0 });
    expect(output).toContain('7 credentials: 7 to resolve, 0 skipped');
    expect(output).not.toContain('egress is disabled');
    expect(output).not.toMatch(/skipped for missing credentials/);
    expect(output).toContain('DATABASE_URL      = [redacted:DATABASE_URL]');
    expect(output).toContain('AZURE_API_TOKEN = [redacted:AZURE_API_TOKEN]');
    expect(output).toMatch(/Tests\s+7 passed \(7\)/);
    expect(output).toMatch(/Tests:\s+5 passed, 5 total/);
  });

  it('mints every identity, and revokes every Vault login when its run ends', () => {
    expect(output).toMatch(/Vault JWT logins: (\d+), revoked at the end of their run: \1/);
    expect(output).toMatch(/AWS STS web-identity sessions minted: [1-9]/);
    expect(output).toMatch(/Google STS \+ IAM Credentials tokens minted: [1-9]/);
    expect(output).toMatch(/Entra tokens minted from client assertions: [1-9]/);
  });

  it('prints no secret value', () => {
    for (const sentinel of SENTINELS) {
      expect(output).not.toContain(sentinel);
    }
  });
});
