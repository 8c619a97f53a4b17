import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVaultBackend } from '../../../src/backends/vault/index.js';
import { createTestTls, type FakeVault, startFakeVault, type TestTls } from '../../../src/testing/vault/index.js';
import { failure, fetchContext, vaultRef } from './harness.js';

const TOKEN = 'hvs.TEST_ONLY_errors';
const NARROW = 'hvs.TEST_ONLY_narrow';
const env = { VAULT_TOKEN: TOKEN };
const CANARY = 'CANARY_ERRORS_VALUE';
const mounts = {
  secret: {
    type: 'kv',
    version: 2,
    secrets: { app: [{ data: { password: CANARY } }], other: [{ data: { x: CANARY } }] },
  },
} as const;

let vault: FakeVault;
const messages: string[] = [];
const failed = async (promise: Promise<unknown>) => {
  const error = await failure(promise);
  messages.push(error.message, String(error), inspect(error, { depth: 0 }));
  return error;
};

beforeAll(async () => {
  vault = await startFakeVault({ tokens: { [TOKEN]: {}, [NARROW]: { allow: ['secret/data/app'] } }, mounts });
});
afterAll(async () => {
  await vault.close();
  // Everything the errors of this file would print carries no secret.
  expect(messages.length).toBeGreaterThan(10);
  expect(messages.filter((m) => m.includes('CANARY') || m.includes(TOKEN) || m.includes(NARROW))).toEqual([]);
});

describe(createVaultBackend.name, () => {
  it('answers a token without read permission with DENIED, and retries nothing (the token is the user’s)', async () => {
    const seen = vault.requests.length;
    const error = await failed(
      createVaultBackend({ address: vault.url }).fetch(
        vaultRef('vault:secret/other'),
        fetchContext({ VAULT_TOKEN: NARROW })
      )
    );
    expect(error.code).toBe('DENIED');
    expect(error.transient).toBe(false);
    expect(error.message).toBe(
      `vault: read "vault:secret/other": permission denied (HTTP 403). Check that the token's policies grant read on secret/data/other`
    );
    expect(vault.requests.slice(seen).map((r) => r.path)).toEqual([
      'sys/internal/ui/mounts/secret/other',
      'secret/data/other',
    ]);
  });

  it('answers a preflight refused for an unknown mount with DENIED naming kvVersion', async () => {
    const error = await failed(
      createVaultBackend({ address: vault.url }).fetch(vaultRef('vault:nomount/app'), fetchContext(env))
    );
    expect(error.message).toBe(
      `vault: detect the mount of "vault:nomount/app": permission denied (HTTP 403). Check that nomount/ is a mount and that the token's policies grant access to nomount/app, or set backends.vault.kvVersion`
    );
  });

  it('answers a sealed Vault, 5xx and 429 with transient UNAVAILABLE', async () => {
    const backend = createVaultBackend({ address: vault.url, kvVersion: 2 });
    const ref = vaultRef('vault:secret/app#password');
    vault.setSealed(true);
    const sealed = await failed(backend.fetch(ref, fetchContext(env))).finally(() => vault.setSealed(false));
    expect([sealed.code, sealed.transient, sealed.message]).toEqual([
      'UNAVAILABLE',
      true,
      'vault: read "vault:secret/app#password": Vault is sealed (HTTP 503). Unseal Vault, or point backends.vault.address at an unsealed node',
    ]);
    vault.failNext(500, { errors: [`internal error ${CANARY}`] });
    const internal = await failed(backend.fetch(ref, fetchContext(env)));
    expect([internal.code, internal.transient, internal.message]).toEqual([
      'UNAVAILABLE',
      true,
      'vault: read "vault:secret/app#password": Vault could not answer (HTTP 500). Retry later',
    ]);
    vault.failNext(429);
    const throttled = await failed(backend.fetch(ref, fetchContext(env)));
    expect([throttled.transient, throttled.message]).toEqual([
      true,
      'vault: read "vault:secret/app#password": Vault is rate limiting requests (HTTP 429). Retry later',
    ]);
    vault.failNext(503, { errors: ['local node not active but active cluster node not found'] });
    const standby = await failed(backend.fetch(ref, fetchContext(env)));
    expect(standby.message).toBe(
      'vault: read "vault:secret/app#password": Vault is unavailable or standby (HTTP 503). Retry later'
    );
  });

  it('abandons a slow request when the signal aborts: TIMEOUT, transient', { timeout: 5_000 }, async () => {
    vault.setLatency(20_000);
    const controller = new AbortController();
    const seen = vault.requests.length;
    const pending = failed(
      createVaultBackend({ address: vault.url, kvVersion: 2 }).fetch(
        vaultRef('vault:secret/app'),
        fetchContext(env, { signal: controller.signal })
      )
    );
    while (vault.requests.length === seen) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    controller.abort();
    const error = await pending.finally(() => vault.setLatency(0));
    expect([error.code, error.transient, error.message]).toEqual([
      'TIMEOUT',
      true,
      'vault: read "vault:secret/app": cancelled before Vault answered. The fetch timed out or the run was interrupted; raise resolve.timeoutMs if Vault is slow',
    ]);
  });

  it('names the address it cannot reach', async () => {
    const port = await freePort();
    const address = `http://127.0.0.1:${port}`;
    const error = await failed(
      createVaultBackend({ address, kvVersion: 2 }).fetch(vaultRef('vault:secret/app'), fetchContext(env))
    );
    expect([error.code, error.transient, error.message]).toEqual([
      'UNAVAILABLE',
      true,
      `vault: read "vault:secret/app": cannot reach Vault at ${address} (ECONNREFUSED). Check backends.vault.address (or VAULT_ADDR) and that Vault is running`,
    ]);
  });

  it('keeps no token, JWT or secret id in the cause of a failed call (the SDK error holds the request)', async () => {
    const address = `http://127.0.0.1:${await freePort()}`;
    const jwt = 'CANARY_JWT_cause';
    const secretId = 'CANARY_SECRET_ID_cause';
    const failures = [
      await failure(
        createVaultBackend({ address, kvVersion: 2 }).fetch(vaultRef('vault:secret/app'), fetchContext(env))
      ),
      await failure(
        createVaultBackend({ address, auth: { method: 'jwt', role: 'ci', token: { env: 'CI_JWT' } } }).fetch(
          vaultRef('vault:secret/app'),
          fetchContext({ CI_JWT: jwt })
        )
      ),
      await failure(
        createVaultBackend({
          address,
          auth: { method: 'approle', roleIdEnv: 'ROLE_ID', secretIdEnv: 'SECRET_ID' },
        }).fetch(vaultRef('vault:secret/app'), fetchContext({ ROLE_ID: 'role', SECRET_ID: secretId }))
      ),
    ];
    const printed = failures.map((error) => inspect(error, { depth: 20 }));
    expect(failures.map((error) => error.code)).toEqual(['UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE']);
    expect(printed.map((text) => [TOKEN, jwt, secretId].filter((secret) => text.includes(secret)))).toEqual([
      [],
      [],
      [],
    ]);
  });

  it('takes the address from VAULT_ADDR when the settings name none', async () => {
    const doc = await createVaultBackend({ kvVersion: 2 }).fetch(
      vaultRef('vault:secret/app'),
      fetchContext({ ...env, VAULT_ADDR: `${vault.url}/` })
    );
    expect(doc.version).toBe('1');
  });

  it('says how to install node-vault when it is missing', async () => {
    const importSdk = () =>
      Promise.reject(Object.assign(new Error("Cannot find package 'node-vault'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    const error = await failed(
      createVaultBackend({ address: vault.url }, { importSdk }).fetch(vaultRef('vault:secret/app'), fetchContext(env))
    );
    expect([error.code, error.message]).toEqual([
      'MISSING_DEPENDENCY',
      'vault: load client: node-vault is not installed. npm install -D node-vault to use vault: references',
    ]);
  });

  describe('caFile', () => {
    let tls: TestTls;
    let https: FakeVault;
    let configDir: string;
    beforeAll(async () => {
      tls = await createTestTls();
      https = await startFakeVault({ tokens: { [TOKEN]: {} }, mounts, tls });
      configDir = await mkdtemp(join(tmpdir(), 'vault-ca-'));
      await copyFile(tls.caFile, join(configDir, 'vault-ca.pem'));
    });
    afterAll(async () => {
      await https.close();
      await tls.dispose();
      await rm(configDir, { recursive: true, force: true });
    });

    it('trusts a private CA from caFile, relative to the config dir', async () => {
      const doc = await createVaultBackend({ address: https.url, caFile: 'vault-ca.pem' }).fetch(
        vaultRef('vault:secret/app#password'),
        fetchContext(env, { baseDir: configDir })
      );
      expect(doc.version).toBe('1');
      expect(https.requests.map((r) => r.path)).toEqual(['sys/internal/ui/mounts/secret/app', 'secret/data/app']);
    });

    it('refuses the certificate without it, and says to set caFile', async () => {
      const error = await failed(
        createVaultBackend({ address: https.url }).fetch(vaultRef('vault:secret/app'), fetchContext(env))
      );
      expect([error.code, error.transient]).toEqual(['UNAVAILABLE', false]);
      expect(error.message).toBe(
        `vault: detect the mount of "vault:secret/app": the TLS certificate of ${https.url} failed verification (UNABLE_TO_VERIFY_LEAF_SIGNATURE). Set backends.vault.caFile to the PEM of the CA that signed your Vault server certificate`
      );
    });

    it("ignores VAULT_SKIP_VERIFY, which node-vault would honour from the process's env", async () => {
      process.env['VAULT_SKIP_VERIFY'] = 'true';
      try {
        const error = await failed(
          createVaultBackend({ address: https.url }).fetch(vaultRef('vault:secret/app'), fetchContext(env))
        );
        expect(error.message).toContain('failed verification (UNABLE_TO_VERIFY_LEAF_SIGNATURE)');
      } finally {
        delete process.env['VAULT_SKIP_VERIFY'];
      }
    });

    it('names a CA file it cannot read', async () => {
      const error = await failed(
        createVaultBackend({ address: https.url, caFile: 'missing.pem' }).fetch(
          vaultRef('vault:secret/app'),
          fetchContext(env, { baseDir: configDir })
        )
      );
      expect(error.message).toBe(
        `vault: connect for "vault:secret/app": cannot read caFile ${join(configDir, 'missing.pem')} (ENOENT). Point caFile at the PEM certificate of the CA that signs the endpoint, relative to the config`
      );
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
