import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVaultTokenMints } from '../../../src/backends/vault/token-mints.js';
import { parseRef } from '../../../src/ref/index.js';
import type { VaultTokenRef } from '../../../src/ref/types.js';
import { createTestTls, type FakeVault, startFakeVault, type TestTls } from '../../../src/testing/vault/index.js';
import { failure } from './harness.js';

// `vault-token:` goes through the vault backend's client: a private CA (caFile) and the namespace apply to it too.
const PARENT = 'hvs.TEST_ONLY_token_mints_parent';
const env = { VAULT_TOKEN: PARENT };
const tokenRef = (text: string) => parseRef(text) as VaultTokenRef;
const ref = tokenRef('vault-token:ci-reader');

let tls: TestTls;
let vault: FakeVault;
let configDir: string;
const messages: string[] = [];
const ctx = () => ({ env, baseDir: configDir, signal: new AbortController().signal });

beforeAll(async () => {
  tls = await createTestTls();
  vault = await startFakeVault({
    tokens: { [PARENT]: {} },
    tls,
    enterprise: true,
    tokenRoles: { 'ci-reader': { allowedPolicies: ['reader'] } },
  });
  configDir = await mkdtemp(join(tmpdir(), 'vault-token-ca-'));
  await copyFile(tls.caFile, join(configDir, 'vault-ca.pem'));
});
afterAll(async () => {
  await vault.close();
  await tls.dispose();
  await rm(configDir, { recursive: true, force: true });
  // No error of this file carries the parent token or a child token.
  const secrets = [PARENT, ...vault.children.map((c) => c.token)];
  expect(messages.filter((m) => secrets.some((s) => m.includes(s)))).toEqual([]);
});

describe('vault-token: over HTTPS with a private CA', () => {
  it('creates and revokes a child token when backends.vault.caFile names the CA, in the namespace', async () => {
    const mints = createVaultTokenMints({ address: vault.url, caFile: 'vault-ca.pem', namespace: 'team-a' }, {});
    const child = await mints.create(ref, { policies: ['reader'], ttl: '10m' }, ctx());
    expect(vault.children.map((c) => [c.role, c.policies.join(), c.ttlSeconds, c.revoked])).toEqual([
      ['ci-reader', 'reader', 600, false],
    ]);
    expect(child.token.reveal()).toBe(vault.children[0]?.token);
    expect(await mints.revoke(child)).toBe(true);
    expect(vault.children[0]?.revoked).toBe(true);
    expect(vault.requests.map((r) => [r.path, r.namespace])).toEqual([
      ['auth/token/create/ci-reader', 'team-a'],
      ['auth/token/revoke-self', 'team-a'],
    ]);
  });

  it('refuses the certificate without caFile, naming the backend, the operation and the fix', async () => {
    const before = vault.children.length;
    const error = await failure(createVaultTokenMints({ address: vault.url }, {}).create(ref, {}, ctx()));
    messages.push(error.message, inspect(error, { depth: 0 }));
    expect([error.code, error.transient]).toEqual(['UNAVAILABLE', false]);
    expect(error.message).toBe(
      `vault-token: auth/token/create "vault-token:ci-reader": the TLS certificate of ${vault.url} failed verification (UNABLE_TO_VERIFY_LEAF_SIGNATURE). Set backends.vault.caFile to the PEM of the CA that signed your Vault server certificate`
    );
    expect(vault.children.length).toBe(before);
  });

  it('names a caFile it cannot read', async () => {
    const error = await failure(
      createVaultTokenMints({ address: vault.url, caFile: 'missing.pem' }, {}).create(ref, {}, ctx())
    );
    messages.push(error.message);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(
      `vault-token: connect for "vault-token:ci-reader": cannot read caFile ${join(configDir, 'missing.pem')} (ENOENT)`
    );
  });

  it('names the role Vault refuses', async () => {
    const mints = createVaultTokenMints({ address: vault.url, caFile: 'vault-ca.pem' }, {});
    const other = tokenRef('vault-token:no-such-role');
    const error = await failure(mints.create(other, {}, ctx()));
    messages.push(error.message);
    expect(error.code).toBe('MINT_FAILED');
    expect(error.message).toMatch(
      /^vault-token: auth\/token\/create "vault-token:no-such-role": Vault refused to create a token with role no-such-role \(HTTP 4\d\d\)\. Check that auth\/token\/roles\/no-such-role exists/
    );
  });

  it('says how to install node-vault when it is missing', async () => {
    const importSdk = () =>
      Promise.reject(Object.assign(new Error("Cannot find package 'node-vault'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    const error = await failure(createVaultTokenMints({ address: vault.url }, {}, importSdk).create(ref, {}, ctx()));
    expect([error.code, error.message]).toEqual([
      'MISSING_DEPENDENCY',
      'vault-token: load client: node-vault is not installed. npm install -D node-vault to use vault-token: references',
    ]);
  });
});
