import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vaultClient from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVaultBackend } from '../../../src/backends/vault/index.js';
import { type FakeVault, startFakeVault } from '../../../src/testing/vault/index.js';
import { delivered, failure, fetchContext, vaultRef } from './harness.js';

// The local Vault refuses what a real open-source Vault refuses (fidelity.md), seen through the official client.
const ROLE_TOKEN = 'hvs.TEST_ONLY_fidelity_role';
const SA_JWT = 'TEST_ONLY_k8s_sa_jwt';

let vault: FakeVault;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cb-vault-fidelity-'));
  vault = await startFakeVault({
    tokens: { [ROLE_TOKEN]: { allow: ['secret/data/app'] } },
    kubernetes: { role: 'api-tests', jwt: SA_JWT, allow: ['secret/data/app'] },
    mounts: { secret: { type: 'kv', version: 2, secrets: { app: [{ data: { password: 'SENTINEL_FIDELITY_PW' } }] } } },
  });
});
afterAll(async () => {
  await vault.close();
  rmSync(dir, { recursive: true, force: true });
});

async function statusOf(promise: Promise<unknown>): Promise<{ status: number; errors: unknown }> {
  try {
    await promise;
    return { status: 200, errors: [] };
  } catch (error) {
    const response = (error as { response?: { statusCode: number; body?: { errors?: unknown } } }).response;
    return { status: response?.statusCode ?? 0, errors: response?.body?.errors };
  }
}

describe('the local Vault, strict like open-source Vault', () => {
  it('refuses sys/leases/revoke to a token whose policy does not grant it (the default policy does not)', async () => {
    const client = vaultClient({ endpoint: vault.url, token: ROLE_TOKEN });
    expect(await statusOf(client.revoke({ lease_id: 'database/creds/ro/abc' }))).toEqual({
      status: 403,
      errors: ['permission denied'],
    });
    const caps = await client.write('sys/capabilities-self', { paths: ['sys/leases/revoke', 'secret/data/app'] });
    expect(caps.data).toMatchObject({
      'sys/leases/revoke': ['deny'],
      'secret/data/app': expect.arrayContaining(['read']),
    });
  });

  it('answers a login at an unmounted auth path 403 permission denied, not 404', async () => {
    const client = vaultClient({ endpoint: vault.url });
    expect(await statusOf(client.jwtLogin({ role: 'ci', jwt: 'x', mount_point: 'nowhere' }))).toEqual({
      status: 403,
      errors: ['permission denied'],
    });
  });

  it('refuses a namespace: open-source Vault has no namespaces feature', async () => {
    const client = vaultClient({ endpoint: vault.url, token: ROLE_TOKEN, namespace: 'team-a' });
    expect(await statusOf(client.read('secret/data/app'))).toEqual({
      status: 403,
      errors: ['namespaces feature not enabled'],
    });
  });

  it('logs in with Kubernetes auth through node-vault, and refuses a foreign service-account token', async () => {
    const client = vaultClient({ endpoint: vault.url });
    // `mount_point` always: node-vault 0.12 renders a missing one as `auth//login` (protocols.md §1.6).
    const k8s = (role: string, jwt: string) => client.kubernetesLogin({ role, jwt, mount_point: 'kubernetes' });
    const login = await k8s('api-tests', SA_JWT);
    expect(login.auth.client_token).toMatch(/^hvs\./);
    expect(await statusOf(k8s('api-tests', 'someone-else'))).toEqual({
      status: 403,
      errors: ['permission denied'],
    });
    expect((await statusOf(k8s('nope', SA_JWT))).status).toBe(400);
  });
});

describe('backends.vault.auth: kubernetes', () => {
  it('reads the service-account token file, logs in at auth/kubernetes, reads, and revokes the token at close', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${SA_JWT}\n`);
    const backend = createVaultBackend({
      address: vault.url,
      auth: { method: 'kubernetes', role: 'api-tests', token: { file: tokenFile } },
    });
    const ref = vaultRef('vault:secret/app#password');
    expect(delivered(await backend.fetch(ref, fetchContext({})), ref)).toBe('SENTINEL_FIDELITY_PW');
    const issued = vault.issued.at(-1);
    expect(issued?.method).toBe('kubernetes');
    await backend.close?.();
    expect(issued?.revoked).toBe(true);
  });

  it('names the role and mount when the service account is refused, never the token', async () => {
    const tokenFile = join(dir, 'foreign');
    writeFileSync(tokenFile, 'TEST_ONLY_foreign_sa\n');
    const error = await failure(
      createVaultBackend({
        address: vault.url,
        auth: { method: 'kubernetes', role: 'api-tests', token: { file: tokenFile } },
      }).fetch(vaultRef('vault:secret/app#password'), fetchContext({}))
    );
    expect(error.code).toBe('MINT_FAILED');
    expect(error.message).toContain('auth/kubernetes');
    expect(error.message).toContain('"api-tests"');
    expect(error.message).not.toContain('TEST_ONLY_foreign_sa');
  });
});
