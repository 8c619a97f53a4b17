import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVaultBackend } from '../../../src/backends/vault/index.js';
import { type FakeVault, startFakeVault } from '../../../src/testing/vault/index.js';
import { delivered, failure, fetchContext, vaultRef } from './harness.js';

const TOKEN = 'hvs.TEST_ONLY_dynamic';
const env = { VAULT_TOKEN: TOKEN };
const T0 = Date.parse('2026-01-01T00:00:00Z');

let vault: FakeVault;
beforeAll(async () => {
  vault = await startFakeVault({
    tokens: { [TOKEN]: {} },
    jwt: { role: 'ci', jwt: 'TEST_ONLY_jwt' },
    mounts: {
      database: {
        type: 'database',
        roles: {
          readonly: {
            leaseSeconds: 600,
            issue: (n) => ({ username: `v-readonly-${n}`, password: `CANARY_DB_PASSWORD_${n}` }),
          },
        },
      },
    },
  });
});
afterAll(() => vault.close());

describe(createVaultBackend.name, () => {
  it('reads dynamic credentials with their lease expiry and revokes each lease once at close', async () => {
    const backend = createVaultBackend({ address: vault.url }, { now: () => T0 });
    const ref = vaultRef('vault:database/creds/readonly#password');
    const first = await backend.fetch(ref, fetchContext(env));
    expect(delivered(first, ref)).toBe('CANARY_DB_PASSWORD_1');
    expect(delivered(first, vaultRef('vault:database/creds/readonly#username'))).toBe('v-readonly-1');
    expect(first.expiresAt?.toISOString()).toBe('2026-01-01T00:10:00.000Z');
    expect(first.version).toBeUndefined();
    const second = await backend.fetch(ref, fetchContext(env));
    expect(delivered(second, ref)).toBe('CANARY_DB_PASSWORD_2');
    expect(vault.leases.map((l) => l.revoked)).toEqual([false, false]);

    const start = vault.requests.length;
    await Promise.all([backend.close?.(), backend.close?.()]);
    await backend.close?.();
    const revokes = vault.requests.slice(start);
    // One capability probe for the token, then each lease.
    expect(revokes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST sys/capabilities-self',
      'PUT sys/leases/revoke',
      'PUT sys/leases/revoke',
    ]);
    expect(revokes[0]?.body).toEqual({ paths: ['sys/leases/revoke'] });
    expect(revokes.slice(1).map((r) => r.body)).toEqual(vault.leases.map((l) => ({ lease_id: l.id })));
    expect(revokes.map((r) => r.token)).toEqual([TOKEN, TOKEN, TOKEN]);
    expect(vault.leases.map((l) => l.revoked)).toEqual([true, true]);
  });

  it('revokes the leases of a minted token before the token itself', async () => {
    const backend = createVaultBackend({
      address: vault.url,
      auth: { method: 'jwt', role: 'ci', token: { env: 'JWT' } },
    });
    await backend.fetch(vaultRef('vault:database/creds/readonly'), fetchContext({ JWT: 'TEST_ONLY_jwt' }));
    const minted = vault.issued.at(-1)?.token;
    const start = vault.requests.length;
    await backend.close?.();
    expect(vault.requests.slice(start).map((r) => `${r.method} ${r.path} ${r.token === minted}`)).toEqual([
      'POST sys/capabilities-self true',
      'PUT sys/leases/revoke true',
      'POST auth/token/revoke-self true',
    ]);
    expect(vault.leases.at(-1)?.revoked).toBe(true);
  });

  it('refuses ?version on a mount that is not KV', async () => {
    const error = await failure(
      createVaultBackend({ address: vault.url }).fetch(
        vaultRef('vault:database/creds/readonly?version=1'),
        fetchContext(env)
      )
    );
    expect(error.message).toBe(
      'vault: read "vault:database/creds/readonly?version=1": database/ is not a KV mount, so it has no versions. Drop "?version"'
    );
  });

  it("answers an unknown role with its own words, not Vault's", async () => {
    const error = await failure(
      createVaultBackend({ address: vault.url }).fetch(vaultRef('vault:database/creds/no-such-role'), fetchContext(env))
    );
    expect(error.message).toBe(
      'vault: read "vault:database/creds/no-such-role": Vault rejected the request (HTTP 400). Check that database/creds/no-such-role can be read (for dynamic secrets: that the role exists)'
    );
    expect(error.transient).toBe(false);
  });

  it('warns, and does not throw, when a lease cannot be revoked', async () => {
    const backend = createVaultBackend({ address: vault.url });
    const ctx = fetchContext(env);
    await backend.fetch(vaultRef('vault:database/creds/readonly'), ctx);
    vault.setSealed(true);
    try {
      await backend.close?.();
    } finally {
      vault.setSealed(false);
    }
    expect(ctx.lines.filter((l) => l.startsWith('warn'))).toEqual([
      'warn vault: revoke the lease of "vault:database/creds/readonly": Vault is sealed (HTTP 503). Unseal Vault, or point backends.vault.address at an unsealed node',
    ]);
  });
});
