/**
 * Minted Google access tokens (`gcp-token:`) under the real Vitest and Jest CLIs, against the local Google STS and IAM
 * Credentials and the local Secret Manager (src/testing/gcp): the STS mints only for the token file written here, the
 * Secret Manager accepts only tokens the local IAM Credentials minted (no key anywhere). A test declaring the
 * credential reads a secret through google-auth-library's default chain (the per-test metadata server); an undeclared
 * file gets a credentials error; a finished test's server refuses; a short-lived token is refreshed within one test.
 */
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestTls,
  type GcpAuthServer,
  type GcpSecretManagerServer,
  startGcpAuth,
  startGcpSecretManager,
  type TestTls,
} from '../../src/testing/gcp/index.js';
import { findLeaks, listTree, repoRoot, stripAnsi } from './harness.js';
import { copyJestFixture, type JestProject, runJest } from './jest-harness.js';
import { copyFixture, type FixtureCopy, runVitest } from './vitest-harness.js';

const AUDIENCE = '//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci/providers/gh';
const SERVICE_ACCOUNT = 'ci@my-proj.iam.gserviceaccount.com';
const OIDC_TOKEN = 'SENTINEL-GCP-OIDC-5d0c2e81f7';
const SENTINELS = {
  'demo secret': 'SENTINEL-GCP-MINTED-DEMO-93ab17c4e0',
  'refresh secret': 'SENTINEL-GCP-MINTED-REFRESH-1f6d08b2c5',
  'web identity token': OIDC_TOKEN,
};
// Long enough to sign under load, short enough to expire inside one test (which sleeps past it).
const LIFETIME_SECONDS = 8;
const SDKS = ['@google-cloud', 'google-auth-library'];

interface Fakes {
  readonly tls: TestTls;
  readonly auth: GcpAuthServer;
  readonly sm: GcpSecretManagerServer;
  close(): Promise<void>;
}

async function startFakes(): Promise<Fakes> {
  const tls = await createTestTls();
  const auth = await startGcpAuth({
    subjectToken: OIDC_TOKEN,
    audience: AUDIENCE,
    serviceAccounts: [SERVICE_ACCOUNT],
    tokenLifetimeSeconds: LIFETIME_SECONDS,
  });
  const sm = await startGcpSecretManager({
    tls,
    isValidToken: (token, scope) => auth.isValid(token, scope),
    secrets: {
      'my-proj/demo': [{ data: SENTINELS['demo secret'] }],
      'my-proj/refresh': [{ data: SENTINELS['refresh secret'] }],
    },
  });
  return {
    tls,
    auth,
    sm,
    async close() {
      await Promise.all([sm.close(), auth.close()]);
      await tls.dispose();
    },
  };
}

function runEnv(fakes: Fakes, outDir: string, egress: boolean): Record<string, string | undefined> {
  const tokenFile = join(outDir, 'oidc-token');
  writeFileSync(tokenFile, OIDC_TOKEN, { mode: 0o600 });
  return {
    MINT_TOKEN_FILE: tokenFile,
    MINT_GCP_TOKEN_URL: fakes.auth.tokenUrl,
    MINT_GCP_IAM_URL: fakes.auth.url,
    MINT_SM_PORT: String(fakes.sm.port),
    // The local Secret Manager's CA, for grpc-js's default roots: the test's client code names no certificate.
    GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: fakes.tls.caFile,
    CREDENTIAL_BROKER_EGRESS: egress ? '1' : undefined,
    // No credential of the machine may stand in for the minted one; detection pings would only slow the undeclared
    // file down (a declaring test gets `assume-present`).
    GOOGLE_APPLICATION_CREDENTIALS: undefined,
    GCE_METADATA_HOST: undefined,
    GCE_METADATA_IP: undefined,
    HOME: outDir,
    METADATA_SERVER_DETECTION: 'none',
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
}

function expectMintedPath(fakes: Fakes): void {
  const exchanges = fakes.auth.requests.filter((r) => r.kind === 'sts');
  const impersonations = fakes.auth.requests.filter((r) => r.kind === 'impersonate');
  expect(exchanges.length).toBeGreaterThan(0);
  expect(exchanges.every((r) => r.status === 200)).toBe(true);
  expect(impersonations.every((r) => r.status === 200 && r.path.includes(encodeURIComponent(SERVICE_ACCOUNT)))).toBe(
    true
  );
  const reads = (secret: string) => fakes.sm.requests.filter((r) => r.name.includes(`/secrets/${secret}/`));
  const demo = reads('demo');
  expect(demo.length).toBeGreaterThan(0);
  expect(demo.every((r) => r.status === 0)).toBe(true);
  // Only tokens the local IAM Credentials minted for the service account exist: Secret Manager knows no other.
  const minted = (token: string | undefined) =>
    token !== undefined && fakes.auth.issued.get(token)?.serviceAccount === SERVICE_ACCOUNT;
  expect(demo.every((r) => minted(r.token))).toBe(true);
  const refresh = reads('refresh');
  expect(refresh.every((r) => r.status === 0 && minted(r.token))).toBe(true);
  // Two distinct access tokens within the one refresh test.
  expect(new Set(refresh.map((r) => r.token)).size).toBeGreaterThanOrEqual(2);
}

const escapeRe = (title: string) => title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('minted Google access tokens under Vitest', () => {
  let fakes: Fakes;
  let copy: FixtureCopy;
  beforeAll(async () => {
    fakes = await startFakes();
    copy = copyFixture('minted-gcp-vitest');
    // The SDKs the tests import, as a user's project has them.
    for (const sdk of SDKS) {
      symlinkSync(join(repoRoot, 'node_modules', sdk), join(copy.dir, 'node_modules', sdk), 'dir');
    }
  });
  afterAll(async () => {
    copy?.remove();
    await fakes?.close();
  });

  it('mints per test, serves the default chain, refuses after the test, refreshes, scrubs', async () => {
    const run = await runVitest(copy, ['--reporter=verbose'], {
      env: runEnv(fakes, copy.outDir, true),
      timeoutMs: 180_000,
    });
    const output = stripAnsi(run.stdout + run.stderr);
    expect(run.code, output.slice(-4000)).toBe(0);
    for (const title of [
      'a Secret Manager client with no key in code reads through the metadata server',
      "the first test's metadata server refuses once it has ended; this test has its own",
      'the library refreshes a short-lived token by itself within one test',
      "as: 'env' puts the access token in the variable the entry names",
      'a file that did not declare the credential gets a credentials error',
    ]) {
      expect(output).toMatch(new RegExp(`✓ .*${escapeRe(title)}`));
    }
    expectMintedPath(fakes);
    expect(output).toContain('access token [redacted:GCP_CI]');
    // The run's scratch root, the empty gcloud configuration in it included, is gone.
    expect(listTree(copy.runtimeDir)).toEqual([]);
    const tokens = Object.fromEntries([...fakes.auth.issued.keys()].map((t, i) => [`access token ${i}`, t]));
    expect(findLeaks([{ where: 'output', text: run.stdout + run.stderr }], { ...SENTINELS, ...tokens })).toEqual([]);
  }, 240_000);

  it('skips declared tests with the reason while egress is off', async () => {
    const before = fakes.auth.requests.length;
    const run = await runVitest(copy, ['--reporter=verbose', 'tests/declared.test.ts'], {
      env: runEnv(fakes, copy.outDir, false),
      timeoutMs: 120_000,
    });
    const output = stripAnsi(run.stdout + run.stderr);
    expect(run.code, output.slice(-4000)).toBe(0);
    expect(output).toContain('GCP_CI needs gcp-token:ci@my-proj.iam.gserviceaccount.com');
    expect(output).toContain('egress is disabled');
    expect(fakes.auth.requests.length).toBe(before);
  }, 180_000);
});

describe('minted Google access tokens under Jest', () => {
  let fakes: Fakes;
  let project: JestProject;
  beforeAll(async () => {
    fakes = await startFakes();
    project = copyJestFixture('minted-gcp-jest');
    for (const sdk of SDKS) {
      symlinkSync(join(repoRoot, 'node_modules', sdk), join(project.dir, 'node_modules', sdk), 'dir');
    }
  });
  afterAll(async () => {
    project?.remove();
    await fakes?.close();
  });

  it('mints for the declaring file and test, serves the default chain, refuses after, refreshes', async () => {
    const run = await runJest(project, ['--verbose'], {
      // gaxios 7 loads its fetch with a dynamic import(), which Jest's VM allows only with this flag (a known
      // google-auth-library-under-Jest limit, not the broker's).
      env: { ...runEnv(fakes, project.outDir, true), NODE_OPTIONS: '--experimental-vm-modules' },
      timeoutMs: 180_000,
    });
    const output = stripAnsi(run.stdout + run.stderr);
    expect(run.code, output.slice(-4000)).toBe(0);
    for (const title of [
      'a Secret Manager client with no key in code reads through the metadata server',
      'the library refreshes a short-lived token by itself within one test',
      'credentials() gives this test its own metadata server',
      "the first test's metadata server refuses once it has ended",
      'a file that did not declare the credential gets a credentials error',
    ]) {
      expect(output).toMatch(new RegExp(`✓ .*${escapeRe(title)}`));
    }
    expectMintedPath(fakes);
    expect(output).toContain('access token [redacted:GCP_CI]');
    expect(listTree(project.runtimeDir)).toEqual([]);
    const tokens = Object.fromEntries([...fakes.auth.issued.keys()].map((t, i) => [`access token ${i}`, t]));
    expect(findLeaks([{ where: 'output', text: run.stdout + run.stderr }], { ...SENTINELS, ...tokens })).toEqual([]);
  }, 240_000);
});
