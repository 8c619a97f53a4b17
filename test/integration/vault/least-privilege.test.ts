import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVaultBackend } from '../../../src/backends/vault/index.js';
import { type FakeVault, startFakeVault } from '../../../src/testing/vault/index.js';
import { fetchContext, vaultRef } from './harness.js';

// A token whose policy is what a CI role gets: read on its mount plus Vault's `default` policy (capabilities-self,
// revoke-self), and no sys/leases/revoke.
const ROLE_TOKEN = 'hvs.TEST_ONLY_role_policy';
const JWT = 'TEST_ONLY_jwt_least_privilege';

let vault: FakeVault;
beforeAll(async () => {
  vault = await startFakeVault({
    tokens: { [ROLE_TOKEN]: { allow: ['database/'] } },
    jwt: { role: 'ci', jwt: JWT, allow: ['database/'] },
    mounts: {
      database: {
        type: 'database',
        roles: { readonly: { issue: (n) => ({ username: `v-ro-${n}`, password: `SENTINEL_LP_PASSWORD_${n}` }) } },
      },
    },
  });
});
afterAll(() => vault.close());

describe('dynamic-secret leases with a least-privilege policy', () => {
  it('a minted login without sys/leases/revoke: no doomed revoke, revoke-self takes the lease along, no warning', async () => {
    const backend = createVaultBackend({
      address: vault.url,
      auth: { method: 'jwt', role: 'ci', token: { env: 'JWT' } },
    });
    const ctx = fetchContext({ JWT });
    await backend.fetch(vaultRef('vault:database/creds/readonly#password'), ctx);
    const lease = vault.leases.at(-1);
    const start = vault.requests.length;
    await backend.close?.();
    expect(vault.requests.slice(start).map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST sys/capabilities-self',
      'POST auth/token/revoke-self',
    ]);
    expect(lease?.revoked).toBe(true);
    expect(ctx.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
  });

  it('a static token without it: the lease lives on, and the warning names the policy line to grant', async () => {
    const backend = createVaultBackend({ address: vault.url });
    const ctx = fetchContext({ VAULT_TOKEN: ROLE_TOKEN });
    await backend.fetch(vaultRef('vault:database/creds/readonly#password'), ctx);
    const lease = vault.leases.at(-1);
    await backend.close?.();
    expect(lease?.revoked).toBe(false);
    expect(ctx.lines.filter((l) => l.startsWith('warn'))).toEqual([
      'warn vault: the lease(s) of "vault:database/creds/readonly#password" live on until their TTL ends: the token may not revoke them. Grant its policy path "sys/leases/revoke" { capabilities = ["update"] }, or log in with backends.vault.auth (jwt, kubernetes, approle) so the broker revokes its own token and its leases',
    ]);
    expect(ctx.lines.join('\n')).not.toContain('SENTINEL');
  });
});
