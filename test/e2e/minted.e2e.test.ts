/**
 * Minted credentials (`aws-sts:`) under the real Vitest and Jest CLIs, against the local AWS (src/testing/aws):
 * its STS mints only for the token file written here, its Secrets Manager accepts only what that STS minted (no
 * long-term keys are configured). A test declaring the credential builds an SDK client with no credentials in code
 * and reads a secret through the default chain; an undeclared file gets a credentials error; a finished test's
 * endpoint refuses; a short-lived session is refreshed by the SDK within one test; an entry's `sessionPolicy` and
 * `duration` reach STS as configured, and Secrets Manager refuses what the session policy does not allow.
 */
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsFake, startAwsFake } from '../../src/testing/aws/index.js';
import { type FakeVault, startFakeVault } from '../../src/testing/vault/index.js';
import { findLeaks, listTree, repoRoot, stripAnsi } from './harness.js';
import { copyJestFixture, type JestProject, runJest } from './jest-harness.js';
import { copyFixture, type FixtureCopy, runVitest } from './vitest-harness.js';

const ROLE = 'arn:aws:iam::123456789012:role/ci-tests';
const OIDC_TOKEN = 'SENTINEL-MINT-OIDC-7c1e90a4b2';
const SENTINELS = {
  'demo secret': 'SENTINEL-MINTED-DEMO-4f8a1c0d93',
  'refresh secret': 'SENTINEL-MINTED-REFRESH-b52e7d61aa',
  'web identity token': OIDC_TOKEN,
  'vault secret': 'SENTINEL-MINTED-VAULT-e03b5c77f1',
  'denied secret': 'SENTINEL-MINTED-DENIED-5d0a9e3c71',
};
// AWS_CI_SCOPED's entry in both fixtures' config: STS must receive exactly this, and Secrets Manager enforce it.
const SCOPED = {
  durationSeconds: '1800',
  policy: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: 'arn:aws:secretsmanager:*:*:secret:minted/demo-*',
      },
    ],
  },
};
// Long enough to sign under load, short enough to expire inside one test (which sleeps past it).
const LIFETIME_SECONDS = 8;

function version(value: string) {
  return [{ id: 'a1b2c3d4-0000-4000-8000-000000000001', stages: ['AWSCURRENT'], string: value }];
}

async function startFake(): Promise<AwsFake> {
  return startAwsFake({
    secrets: [
      { name: 'minted/demo', versions: version(SENTINELS['demo secret']) },
      { name: 'minted/refresh', versions: version(SENTINELS['refresh secret']) },
      { name: 'minted/denied', versions: version(SENTINELS['denied secret']) },
    ],
    webIdentity: { tokens: [OIDC_TOKEN], roles: [ROLE], credentialLifetimeSeconds: LIFETIME_SECONDS },
  });
}

/** Vault: the JWT login accepts the run's OIDC token; its token may create `ci-reader` children, which may read. */
function startVault(): Promise<FakeVault> {
  return startFakeVault({
    mounts: { secret: { type: 'kv', version: 2, secrets: { demo: [{ data: { value: SENTINELS['vault secret'] } }] } } },
    jwt: { role: 'ci', jwt: OIDC_TOKEN, allow: ['auth/token/create/ci-reader'] },
    tokenRoles: {
      'ci-reader': { allow: ['secret/data/demo', 'sys/internal/ui/mounts/'], allowedPolicies: ['reader'] },
    },
  });
}

/** Every child token was created with the entry's policies and TTL, and is revoked by the end of the run. */
function expectChildTokens(vault: FakeVault, atLeast: number): void {
  expect(vault.children.length).toBeGreaterThanOrEqual(atLeast);
  expect(vault.children.every((c) => c.role === 'ci-reader' && c.policies.join() === 'reader')).toBe(true);
  expect(vault.children.every((c) => c.ttlSeconds === 600)).toBe(true);
  expect(vault.children.filter((c) => !c.revoked).length).toBe(0);
}

function runEnv(fake: AwsFake, outDir: string, egress: boolean, vault?: FakeVault): Record<string, string | undefined> {
  const tokenFile = join(outDir, 'oidc-token');
  writeFileSync(tokenFile, OIDC_TOKEN, { mode: 0o600 });
  return {
    MINT_TOKEN_FILE: tokenFile,
    MINT_STS_URL: fake.url,
    MINT_SM_URL: fake.url,
    MINT_VAULT_URL: vault?.url,
    VAULT_TOKEN: undefined,
    VAULT_ADDR: undefined,
    CREDENTIAL_BROKER_EGRESS: egress ? '1' : undefined,
    // No credential of the machine may stand in for the minted one; IMDS would only slow the undeclared file down.
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
}

/** Access keys Secrets Manager saw for one secret, in order, and whether every read was accepted. */
function readsOf(fake: AwsFake, id: string) {
  const reads = fake.requests.filter((r) => r.service === 'secretsmanager' && r.params['SecretId'] === id);
  return { keys: reads.map((r) => r.accessKeyId ?? ''), statuses: reads.map((r) => r.status) };
}

function expectMintedPath(fake: AwsFake): void {
  const sts = fake.requests.filter((r) => r.service === 'sts');
  expect(sts.length).toBeGreaterThan(0);
  // Every request asks STS's minimum lifetime or more; the short sessions are the local server's test option.
  expect(sts.every((r) => r.action === 'AssumeRoleWithWebIdentity' && Number(r.params['DurationSeconds']) >= 900)).toBe(
    true
  );
  const demo = readsOf(fake, 'minted/demo');
  expect(demo.statuses.length).toBeGreaterThan(0);
  expect(demo.statuses.every((s) => s === 200)).toBe(true);
  // Only keys the local STS minted exist: Secrets Manager knows no other.
  const issued = new Set(fake.issued.map((c) => c.accessKeyId));
  expect(demo.keys.every((k) => issued.has(k))).toBe(true);
  const refresh = readsOf(fake, 'minted/refresh');
  expect(refresh.statuses.every((s) => s === 200)).toBe(true);
  expect(new Set(refresh.keys).size).toBeGreaterThanOrEqual(2);
  expectSessionPolicy(fake);
}

/** AWS_CI_SCOPED's sessionPolicy and duration reach STS as configured, and its session may read only its secret. */
function expectSessionPolicy(fake: AwsFake): void {
  const sts = fake.requests.filter((r) => r.service === 'sts');
  const scoped = sts.filter((r) => r.params['Policy'] !== undefined);
  expect(scoped.length).toBeGreaterThan(0);
  for (const request of scoped) {
    expect([request.params['DurationSeconds'], JSON.parse(String(request.params['Policy']))]).toEqual([
      SCOPED.durationSeconds,
      SCOPED.policy,
    ]);
  }
  // The other entries ask no policy and STS's minimum (the broker's default duration).
  expect(sts.filter((r) => r.params['Policy'] === undefined).every((r) => r.params['DurationSeconds'] === '900')).toBe(
    true
  );
  const scopedKeys = new Set(fake.issued.filter((c) => c.policy !== undefined).map((c) => c.accessKeyId));
  expect(scopedKeys.size).toBeGreaterThan(0);
  // Its own secret reads; the other is refused by the session policy alone (the role itself may read it).
  const demo = fake.requests.filter(
    (r) => r.params['SecretId'] === 'minted/demo' && scopedKeys.has(r.accessKeyId ?? '')
  );
  expect(demo.length).toBeGreaterThan(0);
  expect(demo.every((r) => r.status === 200)).toBe(true);
  const denied = fake.requests.filter((r) => r.params['SecretId'] === 'minted/denied');
  expect(denied.map((r) => [scopedKeys.has(r.accessKeyId ?? ''), r.status, r.error])).toEqual([
    [true, 400, 'AccessDeniedException'],
  ]);
}

describe('minted credentials under Vitest', () => {
  let fake: AwsFake;
  let vault: FakeVault;
  let copy: FixtureCopy;
  beforeAll(async () => {
    fake = await startFake();
    vault = await startVault();
    copy = copyFixture('minted-vitest');
    // The SDKs the tests import, as a user's project has them.
    for (const sdk of ['@aws-sdk', 'node-vault']) {
      symlinkSync(join(repoRoot, 'node_modules', sdk), join(copy.dir, 'node_modules', sdk), 'dir');
    }
  });
  afterAll(async () => {
    copy?.remove();
    await fake?.close();
    await vault?.close();
  });

  it('mints per test, serves the SDK default chain, refuses after the test, refreshes, scrubs', async () => {
    const run = await runVitest(copy, ['--reporter=verbose'], {
      env: runEnv(fake, copy.outDir, true, vault),
      timeoutMs: 180_000,
    });
    const output = stripAnsi(run.stdout + run.stderr);
    expect(run.code, output.slice(-4000)).toBe(0);
    for (const title of [
      'an SDK client with no credentials in code reads Secrets Manager',
      "the first test's endpoint refuses once it has ended; this test has its own",
      'the SDK refreshes a short-lived credential by itself within one test',
      "as: 'env' sets the SDK's standard variables",
      'a session policy narrows the minted session: its secret reads, another is refused',
      'a file that did not declare the credential gets a credentials error',
      'a Vault client with no token in code reads with a child token',
      "the first test's token is revoked once it has ended; this test has its own",
    ]) {
      expect(output).toMatch(new RegExp(`✓ .*${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
    expectMintedPath(fake);
    expectChildTokens(vault, 2);
    expect(output).toContain('endpoint token [redacted:AWS_CI]');
    // The run's scratch root, the empty AWS config files in it included, is gone.
    expect(listTree(copy.runtimeDir)).toEqual([]);
    expect(findLeaks([{ where: 'output', text: run.stdout + run.stderr }], SENTINELS)).toEqual([]);
  }, 240_000);

  // Vitest's twin of the Jest case below: concurrent tests share a fork, so one can hold API_TOKEN (destination
  // 127.0.0.3; strict, nothing allowed) while another's Vault child token is released and its endpoint closed.
  it("with a strict guard, closing one test's endpoint while another holds a credential is the broker's own", async () => {
    const guarded = copyFixture('minted-vitest-guard');
    try {
      symlinkSync(join(repoRoot, 'node_modules', 'node-vault'), join(guarded.dir, 'node_modules', 'node-vault'), 'dir');
      const token = 'SENTINEL-MINT-GUARD-TOKEN-39c0d5e1';
      const childrenBefore = vault.children.length;
      const run = await runVitest(guarded, ['--reporter=verbose'], {
        env: { ...runEnv(fake, guarded.outDir, true, vault), CB_GUARD_TOKEN: token },
        timeoutMs: 180_000,
      });
      const output = stripAnsi(run.stdout + run.stderr);
      // The twin: the test's own connection to Vault is refused, which fails its test (strict) and the run.
      expect(run.code, output.slice(-4000)).toBe(1);
      expect(output).toMatch(/✓ .*holds API_TOKEN until the other test has released its credentials/);
      expect(output).toMatch(/✓ .*a Vault child token, released while another test holds API_TOKEN/);
      expect(output).toMatch(/× .*a test's own connection to Vault is refused/);
      expect(output).toContain('egress guard (strict) — 1 connection outside the declared destinations');
      expect(output).toContain(`API_TOKEN held while connecting to ${new URL(vault.url).host}`);
      expect(vault.children.slice(childrenBefore).map((c) => [c.role, c.revoked])).toEqual([['ci-reader', true]]);
      expect(findLeaks([{ where: 'output', text: output }], { ...SENTINELS, 'guard token': token })).toEqual([]);
    } finally {
      guarded.remove();
    }
  }, 240_000);

  it('skips declared tests with the reason while egress is off', async () => {
    const before = fake.requests.length;
    const run = await runVitest(copy, ['--reporter=verbose', 'tests/declared.test.ts'], {
      env: runEnv(fake, copy.outDir, false),
      timeoutMs: 120_000,
    });
    const output = stripAnsi(run.stdout + run.stderr);
    expect(run.code, output.slice(-4000)).toBe(0);
    expect(output).toContain('AWS_CI needs aws-sts:arn:aws:iam::123456789012:role/ci-tests');
    expect(output).toContain('egress is disabled');
    expect(fake.requests.length).toBe(before);
  }, 180_000);
});

describe('minted credentials under Jest', () => {
  let fake: AwsFake;
  let vault: FakeVault;
  let project: JestProject;
  beforeAll(async () => {
    fake = await startFake();
    vault = await startVault();
    project = copyJestFixture('minted-jest');
    for (const sdk of ['@aws-sdk', 'node-vault']) {
      symlinkSync(join(repoRoot, 'node_modules', sdk), join(project.dir, 'node_modules', sdk), 'dir');
    }
  });
  afterAll(async () => {
    project?.remove();
    await fake?.close();
    await vault?.close();
  });

  it('mints for the declaring file and test, serves the SDK default chain, refuses after, refreshes', async () => {
    const run = await runJest(project, ['--verbose'], {
      env: runEnv(fake, project.outDir, true, vault),
      timeoutMs: 180_000,
    });
    const output = stripAnsi(run.stdout + run.stderr);
    expect(run.code, output.slice(-4000)).toBe(0);
    for (const title of [
      'an SDK client with no credentials in code reads Secrets Manager',
      'the SDK refreshes a short-lived credential by itself within one test',
      'credentials() gives this test its own endpoint',
      "the first test's endpoint refuses once it has ended",
      'a file that did not declare the credential gets a credentials error',
      'a Vault client with no token in code reads with a child token',
      'credentials() gives this test its own child token',
      'a session policy narrows the minted session: its secret reads, another is refused',
      "the first test's token is revoked once it has ended",
    ]) {
      expect(output).toMatch(new RegExp(`✓ .*${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
    expectMintedPath(fake);
    expectChildTokens(vault, 2);
    expect(output).toContain('endpoint token [redacted:AWS_CI]');
    // The run's scratch root, the empty AWS config files in it included, is gone.
    expect(listTree(project.runtimeDir)).toEqual([]);
    expect(findLeaks([{ where: 'output', text: run.stdout + run.stderr }], SENTINELS)).toEqual([]);
  }, 240_000);

  // A strict guard, nothing allowed, tests holding API_TOKEN (destination 127.0.0.3) for the whole file, asking for
  // AWS_CI and VAULT_CI: the STS call, the child token's creation and revocation, and the worker's request that closes
  // its endpoints are the broker's own. `--detectOpenHandles` runs the tests in Jest's main process, beside the session
  // (the preset's runner otherwise uses a child even in band): both places are tried.
  it.each([
    ["in Jest's main process", ['--runInBand', '--detectOpenHandles']],
    ['in a worker process', ['--runInBand']],
  ])(
    "with the tests %s and a strict guard, the broker's own requests are not the test's",
    async (_where, args) => {
      const project = copyJestFixture('minted-jest-inband');
      try {
        symlinkSync(join(repoRoot, 'node_modules', '@aws-sdk'), join(project.dir, 'node_modules', '@aws-sdk'), 'dir');
        const token = 'SENTINEL-MINT-GUARD-TOKEN-39c0d5e1';
        const childrenBefore = vault.children.length;
        const run = await runJest(project, [...args, '--verbose'], {
          env: { ...runEnv(fake, project.outDir, true, vault), CB_GUARD_TOKEN: token },
          timeoutMs: 180_000,
        });
        const output = stripAnsi(run.stdout + run.stderr);
        // The twin: the test's own connection to that STS is refused, which fails its test (strict) and the run.
        expect(run.code, output.slice(-4000)).toBe(1);
        expect(output).toMatch(/✓ a credential minted while another is held: the STS exchange is the broker's own/);
        expect(output).toMatch(/✓ a Vault child token created while another credential is held, and revoked when/);
        expect(output).toMatch(/✕ the test's own connection to the same STS is refused/);
        const children = vault.children.slice(childrenBefore);
        expect(children.map((c) => [c.role, c.revoked])).toEqual([['ci-reader', true]]);
        expect(output).toContain('egress guard (strict) — 1 connection outside the declared destinations');
        expect(output).toContain(
          `the test's own connection to the same STS is refused › API_TOKEN held while connecting to ${new URL(fake.url).host} (not a declared destination) — refused`
        );
        expect(findLeaks([{ where: 'output', text: output }], { ...SENTINELS, 'guard token': token })).toEqual([]);
      } finally {
        project.remove();
      }
    },
    240_000
  );
});
