/**
 * Minted `azure-token:` credentials under the real Vitest and Jest CLIs, against the local Entra and Key Vault
 * (src/testing/azure, HTTPS with a test CA): Entra mints only for the OIDC token file written here, the vault accepts
 * only tokens that Entra minted (no key is configured anywhere). A test declaring the credential builds a SecretClient
 * with `ManagedIdentityCredential` or `DefaultAzureCredential` and reads through the per-test managed-identity
 * endpoint; an undeclared file gets a credentials error; a finished test's endpoint refuses; an 8-second token is
 * refreshed by the SDK within one test.
 */
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestTls,
  type StartedEntra,
  type StartedKeyVault,
  startEntra,
  startKeyVault,
  type TestTls,
} from '../../src/testing/azure/index.js';
import { findLeaks, listTree, repoRoot, stripAnsi } from './harness.js';
import { copyJestFixture, runJest } from './jest-harness.js';
import { copyFixture, runVitest } from './vitest-harness.js';

const TENANT = '72f988bf-0000-4000-8000-00000000a11e';
const CLIENT = '0b5e1c2d-0000-4000-8000-0000000c11e7';
/** The OIDC token the local Entra's federated credential accepts: JWT-shaped, its signature a sentinel. */
const OIDC_TOKEN = [
  Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url'),
  Buffer.from('{"aud":"api://AzureADTokenExchange","sub":"repo:ci/tests"}').toString('base64url'),
  'SENTINEL-AZURE-MINT-OIDC-5d0c7e',
].join('.');
const SENTINELS = {
  'demo secret': 'SENTINEL-AZURE-MINTED-DEMO-8b1f2e47ac',
  'refresh secret': 'SENTINEL-AZURE-MINTED-REFRESH-31c9d0e5b7',
  'OIDC token signature': 'SENTINEL-AZURE-MINT-OIDC-5d0c7e',
};
// Long enough to sign under load, short enough to expire inside one test (which sleeps past it).
const LIFETIME_SECONDS = 8;

interface Azure {
  readonly tls: TestTls;
  readonly entra: StartedEntra;
  readonly kv: StartedKeyVault;
  /** Every distinct bearer token the vault was shown, by secret name, in order. */
  readonly tokens: Map<string, string[]>;
  close(): Promise<void>;
}

async function startAzure(): Promise<Azure> {
  const tls = await createTestTls();
  const entra = await startEntra({
    tls,
    tenantId: TENANT,
    clientId: CLIENT,
    assertion: OIDC_TOKEN,
    lifetimeSeconds: LIFETIME_SECONDS,
  });
  const tokens = new Map<string, string[]>();
  const kv = await startKeyVault({
    tls,
    tenantId: TENANT,
    secrets: {
      demo: [{ value: SENTINELS['demo secret'] }],
      refresh: [{ value: SENTINELS['refresh secret'] }],
    },
    acceptToken: (token, resource, path) => {
      const name = path.split('/')[2] ?? '';
      const seen = tokens.get(name) ?? [];
      if (!seen.includes(token)) {
        tokens.set(name, [...seen, token]);
      }
      return entra.isValid(token, resource);
    },
  });
  return {
    tls,
    entra,
    kv,
    tokens,
    async close() {
      await Promise.all([kv.close(), entra.close()]);
      await tls.dispose();
    },
  };
}

function runEnv(azure: Azure, outDir: string, egress = true): Record<string, string | undefined> {
  const tokenFile = join(outDir, 'oidc-token');
  writeFileSync(tokenFile, OIDC_TOKEN, { mode: 0o600 });
  return {
    MINT_TOKEN_FILE: tokenFile,
    MINT_ENTRA_URL: azure.entra.url,
    MINT_CA_FILE: azure.tls.caFile,
    MINT_KV_URL: azure.kv.url,
    // The tests' SDK trusts the local vault's CA as a user's CI trusts a private one.
    NODE_EXTRA_CA_CERTS: azure.tls.caFile,
    CREDENTIAL_BROKER_EGRESS: egress ? '1' : undefined,
    // No credential of the machine may stand in for the minted one.
    AZURE_CLIENT_ID: undefined,
    AZURE_TENANT_ID: undefined,
    AZURE_CLIENT_SECRET: undefined,
    AZURE_FEDERATED_TOKEN_FILE: undefined,
    IDENTITY_ENDPOINT: undefined,
    IDENTITY_HEADER: undefined,
    MSI_ENDPOINT: undefined,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
}

function expectMintedPath(azure: Azure): void {
  expect(azure.entra.issued).toBeGreaterThan(0);
  // Entra saw only the federated client-credentials grant of the ref's application, for Key Vault.
  const tokenRequests = azure.entra.requests.filter((r) => r.method === 'POST');
  expect(
    tokenRequests.every(
      (r) =>
        r.clientId === CLIENT && r.grantType === 'client_credentials' && r.scope === 'https://vault.azure.net/.default'
    )
  ).toBe(true);
  // Every read was authenticated with a token; the refresh test's reads were made with two distinct tokens.
  expect(azure.kv.requests.some((r) => r.bearer)).toBe(true);
  expect((azure.tokens.get('refresh') ?? []).length).toBeGreaterThanOrEqual(2);
}

function link(dir: string): void {
  // The SDKs the tests import, as a user's project has them.
  symlinkSync(join(repoRoot, 'node_modules', '@azure'), join(dir, 'node_modules', '@azure'), 'dir');
}

function titles(output: string, expected: readonly string[]): void {
  for (const title of expected) {
    expect(output).toMatch(new RegExp(`✓ .*${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  }
}

describe('azure-token: under Vitest', () => {
  let azure: Azure;
  const copy = copyFixture('minted-azure-vitest');
  beforeAll(async () => {
    azure = await startAzure();
    link(copy.dir);
  });
  afterAll(async () => {
    copy.remove();
    await azure?.close();
  });

  it('mints per test, serves the SDK default chain, refuses after the test, refreshes, scrubs', async () => {
    const run = await runVitest(copy, ['--reporter=verbose'], { env: runEnv(azure, copy.outDir), timeoutMs: 180_000 });
    const output = stripAnsi(run.stdout + run.stderr);
    expect(run.code, output.slice(-4000)).toBe(0);
    titles(output, [
      'a SecretClient with ManagedIdentityCredential and no key in code reads Key Vault',
      'credentials() gives this test the identity endpoint; DefaultAzureCredential reads',
      "the first test's endpoint refuses once it has ended",
      'the SDK refreshes a short-lived token by itself within one test',
      "as: 'env' puts the access token in the variable the entry names",
      'a file that did not declare the credential gets a credentials error',
    ]);
    expectMintedPath(azure);
    expect(output).toContain('identity header [redacted:AZURE_KV]');
    expect(listTree(copy.runtimeDir)).toEqual([]);
    expect(findLeaks([{ where: 'output', text: run.stdout + run.stderr }], SENTINELS)).toEqual([]);
  }, 240_000);

  it('skips declared tests with the reason while egress is off', async () => {
    const before = azure.entra.requests.length;
    const run = await runVitest(copy, ['--reporter=verbose', 'tests/declared.test.ts'], {
      env: runEnv(azure, copy.outDir, false),
      timeoutMs: 120_000,
    });
    const output = stripAnsi(run.stdout + run.stderr);
    expect(run.code, output.slice(-4000)).toBe(0);
    expect(output).toContain(`AZURE_KV needs azure-token:${CLIENT}`);
    expect(output).toContain('egress is disabled');
    expect(azure.entra.requests.length).toBe(before);
  }, 180_000);
});

describe('azure-token: under Jest', () => {
  let azure: Azure;
  const project = copyJestFixture('minted-azure-jest');
  beforeAll(async () => {
    azure = await startAzure();
    link(project.dir);
  });
  afterAll(async () => {
    project.remove();
    await azure?.close();
  });

  it('mints for the declaring file and test, serves the SDK default chain, refuses after, refreshes', async () => {
    const run = await runJest(project, ['--verbose'], { env: runEnv(azure, project.outDir), timeoutMs: 180_000 });
    const output = stripAnsi(run.stdout + run.stderr);
    expect(run.code, output.slice(-4000)).toBe(0);
    titles(output, [
      'a SecretClient with ManagedIdentityCredential and no key in code reads Key Vault',
      'the SDK refreshes a short-lived token by itself within one test',
      'credentials() gives this test its own identity endpoint',
      "the first test's endpoint refuses once it has ended",
      'a file that did not declare the credential gets a credentials error',
    ]);
    expectMintedPath(azure);
    expect(output).toContain('identity header [redacted:AZURE_KV]');
    expect(listTree(project.runtimeDir)).toEqual([]);
    expect(findLeaks([{ where: 'output', text: run.stdout + run.stderr }], SENTINELS)).toEqual([]);
  }, 240_000);
});
