import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVaultBackend } from '../../../src/backends/vault/index.js';
import { type FakeVault, startFakeVault } from '../../../src/testing/vault/index.js';
import { failure, fetchContext, vaultRef } from './harness.js';

const JWT = 'eyJ.TEST_ONLY_CANARY_JWT.sig';
const ROLE_ID = 'TEST_ONLY_role_id';
const SECRET_ID = 'CANARY_TEST_ONLY_secret_id';
const STATIC = 'hvs.TEST_ONLY_static';
const ref = vaultRef('vault:secret/app#password');

let clock = Date.parse('2026-01-01T00:00:00Z');
const now = () => clock;
let vault: FakeVault;
let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'vault-home-'));
  vault = await startFakeVault({
    now,
    tokens: { [STATIC]: {} },
    mounts: { secret: { type: 'kv', version: 2, secrets: { app: [{ data: { password: 'CANARY_AUTH_VALUE' } }] } } },
    jwt: { mount: 'ci-jwt', role: 'ci', jwt: JWT, ttlSeconds: 3600 },
    approle: { roleId: ROLE_ID, secretId: SECRET_ID, ttlSeconds: 600 },
  });
});
afterAll(async () => {
  await vault.close();
  await rm(home, { recursive: true, force: true });
});

const since = () => {
  const start = vault.requests.length;
  return () => vault.requests.slice(start);
};
const jwtAuth = { method: 'jwt', role: 'ci', mount: 'ci-jwt', token: { env: 'CI_JWT' } } as const;

describe(createVaultBackend.name, () => {
  describe('token', () => {
    it('reads $VAULT_TOKEN, or the env var auth.env names', async () => {
      const seen = since();
      await createVaultBackend({ address: vault.url, kvVersion: 2 }).fetch(ref, fetchContext({ VAULT_TOKEN: STATIC }));
      await createVaultBackend({ address: vault.url, kvVersion: 2, auth: { method: 'token', env: 'MY_TOKEN' } }).fetch(
        ref,
        fetchContext({ MY_TOKEN: STATIC, VAULT_TOKEN: 'ignored' })
      );
      expect(seen().map((r) => r.token)).toEqual([STATIC, STATIC]);
    });

    it('falls back to ~/.vault-token as the CLI does', async () => {
      await writeFile(join(home, '.vault-token'), `${STATIC}\n`);
      const seen = since();
      await createVaultBackend({ address: vault.url, kvVersion: 2 }).fetch(ref, fetchContext({ HOME: home }));
      expect(seen().map((r) => r.token)).toEqual([STATIC]);
      await rm(join(home, '.vault-token'));
    });

    it('says where it looked when there is no token', async () => {
      const none = await failure(createVaultBackend({ address: vault.url }).fetch(ref, fetchContext({ HOME: home })));
      expect(none.code).toBe('NO_IDENTITY');
      expect(none.message).toBe(
        `vault: read token for "vault:secret/app#password": no Vault token: VAULT_TOKEN is not set and ${join(home, '.vault-token')} cannot be read (ENOENT). Run \`vault login\`, export VAULT_TOKEN, or configure backends.vault.auth (jwt, approle)`
      );
      const named = await failure(
        createVaultBackend({ address: vault.url, auth: { method: 'token', env: 'MY_TOKEN' } }).fetch(
          ref,
          fetchContext({ VAULT_TOKEN: STATIC })
        )
      );
      expect(named.message).toBe(
        'vault: read token for "vault:secret/app#password": no Vault token: env var MY_TOKEN is not set. Export a Vault token as MY_TOKEN (named by backends.vault.auth.env)'
      );
    });

    it('is never revoked: it is the user’s own', async () => {
      const backend = createVaultBackend({ address: vault.url, kvVersion: 2 });
      await backend.fetch(ref, fetchContext({ VAULT_TOKEN: STATIC }));
      const seen = since();
      await backend.close?.();
      expect(seen()).toEqual([]);
    });
  });

  describe('jwt', () => {
    it('logs in once, shares the token until it ages, logs in again, and revokes the live token at close', async () => {
      const backend = createVaultBackend({ address: vault.url, kvVersion: 2, auth: jwtAuth }, { now });
      const ctx = fetchContext({ CI_JWT: JWT, VAULT_TOKEN: STATIC });
      const seen = since();
      const docs = await Promise.all([backend.fetch(ref, ctx), backend.fetch(ref, ctx)]);
      expect(docs.map((d) => d.text.reveal())).toEqual([
        '{"password":"CANARY_AUTH_VALUE"}',
        '{"password":"CANARY_AUTH_VALUE"}',
      ]);
      const first = vault.issued.at(-1)?.token;
      expect(seen().map((r) => `${r.method} ${r.path} ${r.token === first ? 'minted' : String(r.token)}`)).toEqual([
        'POST auth/ci-jwt/login undefined',
        'GET secret/data/app minted',
        'GET secret/data/app minted',
      ]);
      expect(seen()[0]?.body).toEqual({ role: 'ci', jwt: JWT });

      // Within the refresh window (5 minutes before expiry): a new login.
      clock += 3_400_000;
      const later = since();
      await backend.fetch(ref, ctx);
      const second = vault.issued.at(-1)?.token;
      expect(second).not.toBe(first);
      expect(later().map((r) => `${r.method} ${r.path} ${r.token === second ? 'minted' : String(r.token)}`)).toEqual([
        'POST auth/ci-jwt/login undefined',
        'GET secret/data/app minted',
      ]);
      expect(ctx.lines).toContain('debug vault: logged in with jwt at auth/ci-jwt (expires 2026-01-01T01:00:00.000Z)');

      // The first token has expired by now: only the second one is revoked.
      clock += 300_000;
      const closing = since();
      await backend.close?.();
      expect(closing().map((r) => `${r.method} ${r.path} ${r.token === second ? 'minted' : String(r.token)}`)).toEqual([
        'POST auth/token/revoke-self minted',
      ]);
      expect(closing()[0]?.body).toEqual({});
      expect(vault.issued.find((t) => t.token === second)?.revoked).toBe(true);
    });

    it('drops a token Vault refuses, logs in once more and retries once', async () => {
      const backend = createVaultBackend({ address: vault.url, kvVersion: 2, auth: jwtAuth }, { now });
      const ctx = fetchContext({ CI_JWT: JWT });
      await backend.fetch(ref, ctx);
      const first = vault.issued.at(-1)?.token ?? '';
      vault.revokeToken(first);
      const seen = since();
      const doc = await backend.fetch(ref, ctx);
      expect(doc.text.reveal()).toBe('{"password":"CANARY_AUTH_VALUE"}');
      expect(seen().map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET secret/data/app',
        'POST auth/ci-jwt/login',
        'GET secret/data/app',
      ]);
      expect(ctx.lines).toContain(
        'debug vault: the token was refused reading "vault:secret/app#password"; logging in again'
      );
      await backend.close?.();
    });

    it('gives up with DENIED when the fresh token is refused too', async () => {
      const backend = createVaultBackend({ address: vault.url, kvVersion: 2, auth: jwtAuth }, { now });
      const ctx = fetchContext({ CI_JWT: JWT });
      await backend.fetch(ref, ctx);
      vault.failNext(403, { errors: ['permission denied'], count: 2, path: 'secret/' });
      const seen = since();
      const error = await failure(backend.fetch(ref, ctx));
      expect(error.message).toBe(
        `vault: read "vault:secret/app#password": permission denied (HTTP 403). Check that the token's policies grant read on secret/data/app`
      );
      expect(seen().map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET secret/data/app',
        'POST auth/ci-jwt/login',
        'GET secret/data/app',
      ]);
      await backend.close?.();
    });

    it('reports a refused login in its own words, and a missing OIDC token as NO_IDENTITY', async () => {
      const wrongRole = createVaultBackend({ address: vault.url, auth: { ...jwtAuth, role: 'nope' } });
      const refused = await failure(wrongRole.fetch(ref, fetchContext({ CI_JWT: JWT })));
      expect(refused.code).toBe('MINT_FAILED');
      expect(refused.message).toBe(
        'vault: jwt login for "vault:secret/app#password": Vault refused the login (HTTP 400). Check that auth/ci-jwt has role "nope" and that its bound audiences and claims accept the token from env:CI_JWT'
      );
      const badJwt = await failure(
        createVaultBackend({ address: vault.url, auth: jwtAuth }).fetch(
          ref,
          fetchContext({ CI_JWT: 'CANARY_FORGED_JWT' })
        )
      );
      expect(badJwt.code).toBe('MINT_FAILED');
      expect(`${badJwt.message} ${String(badJwt)}`).not.toContain('CANARY');
      const missing = await failure(
        createVaultBackend({ address: vault.url, auth: jwtAuth }).fetch(ref, fetchContext({}))
      );
      expect(missing.message).toBe(
        "vault: read OIDC token: env var CI_JWT is not set. Export the CI's OIDC token as CI_JWT"
      );
    });

    it("asks GitHub Actions' token service for a token with audience 'vault' unless auth.audience says", async () => {
      const asked: string[] = [];
      const github = createServer((req, res) => {
        asked.push(`${req.url} ${req.headers.authorization}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: JWT }));
      });
      await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
      const ghEnv = {
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${(github.address() as AddressInfo).port}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'TEST_ONLY_bearer',
      };
      try {
        for (const audience of [undefined, 'https://vault.example']) {
          const auth = { ...jwtAuth, token: 'github', ...(audience === undefined ? {} : { audience }) } as const;
          const backend = createVaultBackend({ address: vault.url, kvVersion: 2, auth });
          const doc = await backend.fetch(ref, fetchContext(ghEnv));
          expect(doc.version).toBe('1');
          await backend.close?.();
        }
      } finally {
        await new Promise((resolve) => github.close(resolve));
      }
      expect(asked).toEqual([
        '/token?api-version=2.0&audience=vault Bearer TEST_ONLY_bearer',
        '/token?api-version=2.0&audience=https%3A%2F%2Fvault.example Bearer TEST_ONLY_bearer',
      ]);
    });

    it('answers a login at an auth mount that does not exist with MINT_FAILED (Vault: 403, not a login)', async () => {
      const error = await failure(
        createVaultBackend({ address: vault.url, auth: { ...jwtAuth, mount: 'jwt' } }).fetch(
          ref,
          fetchContext({ CI_JWT: JWT })
        )
      );
      expect(error.message).toBe(
        'vault: jwt login for "vault:secret/app#password": Vault refused the login (HTTP 403). Check that auth/jwt has role "ci" and that its bound audiences and claims accept the token from env:CI_JWT'
      );
    });
  });

  it("shares a login that one fetch's abort does not cancel for the others, and waits for it no longer than its own signal", async () => {
    const backend = createVaultBackend({ address: vault.url, kvVersion: 2, auth: jwtAuth }, { now });
    const seen = since();
    vault.setLatency(300);
    const quitter = new AbortController();
    const waiting = Promise.all([
      failure(backend.fetch(ref, fetchContext({ CI_JWT: JWT }, { signal: quitter.signal }))),
      backend.fetch(ref, fetchContext({ CI_JWT: JWT })),
    ]);
    while (seen().length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    quitter.abort();
    const [gaveUp, delivered] = await waiting.finally(() => vault.setLatency(0));
    expect([gaveUp.code, gaveUp.message]).toEqual([
      'TIMEOUT',
      'vault: jwt login for "vault:secret/app#password": cancelled before Vault answered. The fetch timed out or the run was interrupted; raise resolve.timeoutMs if Vault is slow',
    ]);
    expect(delivered.text.reveal()).toBe('{"password":"CANARY_AUTH_VALUE"}');
    expect(seen().filter((r) => r.path === 'auth/ci-jwt/login')).toHaveLength(1);
    await backend.close?.();
  });

  describe('approle', () => {
    const approle = { method: 'approle', roleIdEnv: 'ROLE_ID', secretIdEnv: 'SECRET_ID' } as const;

    it('logs in with the ids from the env and revokes the token at close', async () => {
      const backend = createVaultBackend({ address: vault.url, kvVersion: 2, auth: approle }, { now });
      const seen = since();
      const doc = await backend.fetch(ref, fetchContext({ ROLE_ID, SECRET_ID }));
      expect(doc.text.reveal()).toBe('{"password":"CANARY_AUTH_VALUE"}');
      const minted = vault.issued.at(-1);
      expect(minted?.method).toBe('approle');
      expect(seen().map((r) => [r.method, r.path, r.body])).toEqual([
        ['POST', 'auth/approle/login', { role_id: ROLE_ID, secret_id: SECRET_ID }],
        ['GET', 'secret/data/app', undefined],
      ]);
      await backend.close?.();
      expect(minted?.revoked).toBe(true);
    });

    it('names the missing env var, and never the ids in a refused login', async () => {
      const missing = await failure(
        createVaultBackend({ address: vault.url, auth: approle }).fetch(ref, fetchContext({ ROLE_ID }))
      );
      expect(missing.message).toBe(
        'vault: approle login for "vault:secret/app#password": env var SECRET_ID (the AppRole secret id) is not set. Export the secret id as SECRET_ID, or change backends.vault.auth'
      );
      const refused = await failure(
        createVaultBackend({ address: vault.url, auth: approle }).fetch(
          ref,
          fetchContext({ ROLE_ID, SECRET_ID: 'CANARY_WRONG_SECRET_ID' })
        )
      );
      expect(refused.message).toBe(
        'vault: approle login for "vault:secret/app#password": Vault refused the login (HTTP 400). Check that auth/approle is an AppRole mount and that ROLE_ID and SECRET_ID hold a valid role id and secret id'
      );
    });
  });
});
