/**
 * `credential-broker check --egress` against the local Vault with a token whose policy may read a dynamic secret but
 * not revoke its lease (the `default` policy does not grant sys/leases/revoke): the broker probes
 * sys/capabilities-self instead of failing a revoke, and the warning names the policy line to grant.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeVault, startFakeVault } from '../../src/testing/vault/index.js';
import { repoRoot, runNode, stripAnsi } from './harness.js';

const TOKEN = 'hvs.TEST_ONLY_check_role';
let vault: FakeVault;
let dir: string;
let scratch: string;
let output: string;
let status: number | null;

beforeAll(async () => {
  vault = await startFakeVault({
    tokens: { [TOKEN]: { allow: ['database/'] } },
    mounts: {
      database: { type: 'database', roles: { ro: { issue: (n) => ({ password: `SENTINEL_CHECK_PROBE_${n}` }) } } },
    },
  });
  dir = mkdtempSync(join(tmpdir(), 'cb-check-probe-'));
  scratch = mkdtempSync(join(tmpdir(), 'cb-check-probe-scratch-'));
  writeFileSync(
    join(dir, 'credential-broker.config.json'),
    JSON.stringify({
      backends: { vault: { address: vault.url } },
      credentials: { DB_PASSWORD: 'vault:database/creds/ro#password' },
    })
  );
  const env: Record<string, string | undefined> = { ...process.env, VAULT_TOKEN: TOKEN, XDG_RUNTIME_DIR: scratch };
  delete env['CREDENTIAL_BROKER_EGRESS'];
  const run = await runNode([join(repoRoot, 'dist', 'cli.js'), 'check', '--egress'], {
    cwd: dir,
    env,
    timeoutMs: 110_000,
  });
  status = run.code;
  output = stripAnsi(`${run.stdout}${run.stderr}`);
}, 120_000);

afterAll(async () => {
  await vault?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe('check --egress and a token that may not revoke its lease', () => {
  it('passes the check, probes the capability, sends no doomed revoke, and says which policy line to grant', () => {
    expect({ status, output }).toMatchObject({ status: 0 });
    expect(output).toContain('✓ DB_PASSWORD: ok');
    const paths = vault.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths).toContain('POST sys/capabilities-self');
    expect(paths).not.toContain('PUT sys/leases/revoke');
    expect(output).toContain('path "sys/leases/revoke" { capabilities = ["update"] }');
    expect(output).not.toContain('SENTINEL_CHECK_PROBE');
  });
});
