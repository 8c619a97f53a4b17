import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVaultBackend } from '../../../src/backends/vault/index.js';
import { type FakeVault, startFakeVault } from '../../../src/testing/vault/index.js';
import { delivered, failure, fetchContext, vaultRef } from './harness.js';

const TOKEN = 'hvs.TEST_ONLY_root';
const env = { VAULT_TOKEN: TOKEN };

let vault: FakeVault;
beforeAll(async () => {
  vault = await startFakeVault({
    tokens: { [TOKEN]: {} },
    mounts: {
      secret: {
        type: 'kv',
        version: 2,
        secrets: {
          app: [
            { data: { password: 'CANARY_KV2_V1' } },
            { data: { password: 'CANARY_KV2_V2', port: 5432, db: { url: 'CANARY_KV2_URL' } } },
          ],
          'team/app': [{ data: { key: 'CANARY_KV2_NESTED' } }],
          gone: [{ data: { password: 'CANARY_KV2_DELETED' }, deleted: true }],
          burnt: [{ data: { password: 'CANARY_KV2_BURNT' }, destroyed: true }, { data: { password: 'CANARY_KV2_B2' } }],
        },
      },
      kv1: { type: 'kv', version: 1, secrets: { app: { password: 'CANARY_KV1' } } },
      'nested/kv': { type: 'kv', version: 2, secrets: { app: [{ data: { password: 'CANARY_NESTED_MOUNT' } }] } },
    },
    namespaces: {
      'team-a': { secret: { type: 'kv', version: 2, secrets: { app: [{ data: { password: 'CANARY_NS' } }] } } },
    },
  });
});
afterAll(() => vault.close());

const since = () => {
  const start = vault.requests.length;
  return () => vault.requests.slice(start).map((r) => `${r.method} ${r.path}${r.query === '' ? '' : `?${r.query}`}`);
};

describe(createVaultBackend.name, () => {
  it('reads KV v2 after asking the server what the mount is: JSON text, the object as tree, the version', async () => {
    const seen = since();
    const backend = createVaultBackend({ address: vault.url });
    const ref = vaultRef('vault:secret/app#password');
    const doc = await backend.fetch(ref, fetchContext(env));
    expect(JSON.parse(doc.text.reveal())).toEqual({
      password: 'CANARY_KV2_V2',
      port: 5432,
      db: { url: 'CANARY_KV2_URL' },
    });
    expect(doc.version).toBe('2');
    expect(doc.expiresAt).toBeUndefined();
    expect(delivered(doc, ref)).toBe('CANARY_KV2_V2');
    expect(delivered(doc, vaultRef('vault:secret/app#port'))).toBe('5432');
    expect(delivered(doc, vaultRef('vault:secret/app#/db/url'))).toBe('CANARY_KV2_URL');
    // A second path in the same mount costs no second preflight.
    await backend.fetch(vaultRef('vault:secret/team/app'), fetchContext(env));
    expect(seen()).toEqual([
      'GET sys/internal/ui/mounts/secret/app',
      'GET secret/data/app',
      'GET secret/data/team/app',
    ]);
    expect(vault.requests.at(-1)?.token).toBe(TOKEN);
  });

  it('reads an older KV v2 version with ?version=N', async () => {
    const seen = since();
    const doc = await createVaultBackend({ address: vault.url, kvVersion: 2 }).fetch(
      vaultRef('vault:secret/app?version=1'),
      fetchContext(env)
    );
    expect(doc.text.reveal()).toBe('{"password":"CANARY_KV2_V1"}');
    expect(doc.version).toBe('1');
    // kvVersion 2: no preflight.
    expect(seen()).toEqual(['GET secret/data/app?version=1']);
  });

  it('reads KV v1 at the plain path, without a version', async () => {
    const seen = since();
    const doc = await createVaultBackend({ address: vault.url }).fetch(vaultRef('vault:kv1/app'), fetchContext(env));
    expect(doc.text.reveal()).toBe('{"password":"CANARY_KV1"}');
    expect(doc.version).toBeUndefined();
    expect(doc.expiresAt).toBeUndefined();
    expect(seen()).toEqual(['GET sys/internal/ui/mounts/kv1/app', 'GET kv1/app']);
  });

  it('uses the mount path the server reports, for nested mounts', async () => {
    const seen = since();
    const doc = await createVaultBackend({ address: vault.url }).fetch(
      vaultRef('vault:nested/kv/app'),
      fetchContext(env)
    );
    expect(doc.text.reveal()).toBe('{"password":"CANARY_NESTED_MOUNT"}');
    expect(seen()).toEqual(['GET sys/internal/ui/mounts/nested/kv/app', 'GET nested/kv/data/app']);
  });

  it('sends the namespace on every request', async () => {
    const seen = since();
    const doc = await createVaultBackend({ address: vault.url, namespace: 'team-a' }).fetch(
      vaultRef('vault:secret/app#password'),
      fetchContext(env)
    );
    expect(doc.text.reveal()).toBe('{"password":"CANARY_NS"}');
    expect(seen()).toHaveLength(2);
    expect(vault.requests.slice(-2).map((r) => r.namespace)).toEqual(['team-a', 'team-a']);
  });

  it('takes the namespace from VAULT_NAMESPACE when the settings name none', async () => {
    const doc = await createVaultBackend({ address: vault.url }).fetch(
      vaultRef('vault:secret/app'),
      fetchContext({ ...env, VAULT_NAMESPACE: 'team-a' })
    );
    expect(doc.text.reveal()).toBe('{"password":"CANARY_NS"}');
  });

  it('refuses ?version on a KV v1 mount, detected or configured', async () => {
    const detected = await failure(
      createVaultBackend({ address: vault.url }).fetch(vaultRef('vault:kv1/app?version=2'), fetchContext(env))
    );
    expect(detected.message).toBe(
      'vault: read "vault:kv1/app?version=2": kv1/ is a KV v1 mount, which keeps no versions. Drop "?version"'
    );
    const configured = await failure(
      createVaultBackend({ address: vault.url, kvVersion: 1 }).fetch(
        vaultRef('vault:secret/app#password?version=2'),
        fetchContext(env)
      )
    );
    expect(configured.message).toBe(
      'vault: read "vault:secret/app#password?version=2": secret/ is a KV v1 mount, which keeps no versions. Drop "?version", or set backends.vault.kvVersion to 2 (or "auto") if the mount is KV v2'
    );
  });

  it('says a KV v2 version was deleted or destroyed', async () => {
    const backend = createVaultBackend({ address: vault.url });
    const deleted = await failure(backend.fetch(vaultRef('vault:secret/gone'), fetchContext(env)));
    expect(deleted.code).toBe('NOT_FOUND');
    expect(deleted.message).toBe(
      'vault: read "vault:secret/gone": version 1 was deleted. Undelete it (vault kv undelete) or read another version with "?version=N"'
    );
    const destroyed = await failure(backend.fetch(vaultRef('vault:secret/burnt?version=1'), fetchContext(env)));
    expect(destroyed.message).toBe(
      'vault: read "vault:secret/burnt?version=1": version 1 was destroyed. Read another version with "?version=N"'
    );
    expect((await backend.fetch(vaultRef('vault:secret/burnt'), fetchContext(env))).version).toBe('2');
  });

  it('answers a missing secret with NOT_FOUND naming the API path and the KV version', async () => {
    const auto = await failure(
      createVaultBackend({ address: vault.url }).fetch(vaultRef('vault:secret/missing#x'), fetchContext(env))
    );
    expect(auto.code).toBe('NOT_FOUND');
    expect(auto.message).toBe(
      'vault: read "vault:secret/missing#x": no secret there (HTTP 404). Check the mount and path; read secret/data/missing as KV v2, as Vault reports the mount'
    );
    const wrongVersion = await failure(
      createVaultBackend({ address: vault.url, kvVersion: 1 }).fetch(vaultRef('vault:secret/app'), fetchContext(env))
    );
    expect(wrongVersion.message).toBe(
      'vault: read "vault:secret/app": no secret there (HTTP 404). Check the mount and path; read secret/app as KV v1, per backends.vault.kvVersion'
    );
    const noVersion = await failure(
      createVaultBackend({ address: vault.url }).fetch(vaultRef('vault:secret/app?version=9'), fetchContext(env))
    );
    expect(noVersion.code).toBe('NOT_FOUND');
  });
});
