import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsFake } from './aws/index.js';
import { startAwsFake } from './aws/index.js';
import type { StartedEntra, StartedKeyVault } from './azure/index.js';
import { startEntra, startKeyVault } from './azure/index.js';
import type { GcpAuthServer, GcpSecretManagerServer } from './gcp/index.js';
import { loadGcpServers } from './gcp-loader.js';
import { type Seeds, seedsOf, textOf } from './seed.js';
import { createTestTls, type TestTls } from './tls.js';
import type { FakeVault } from './vault/index.js';
import { startFakeVault } from './vault/index.js';

/** @public The identities the local servers trust (TEST ONLY names, nothing of a real account). */
export const TEST_IDENTITY = {
  awsAccountId: '123456789012',
  awsRoleArn: 'arn:aws:iam::123456789012:role/credential-broker-test',
  awsRegion: 'us-east-1',
  gcpAudience:
    '//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/test-pool/providers/test-provider',
  gcpServiceAccount: 'credential-broker-test@test-project.iam.gserviceaccount.com',
  azureTenantId: '00000000-0000-4000-8000-00000000a11e',
  azureClientId: '00000000-0000-4000-8000-0000000c11e7',
  vaultRole: 'credential-broker-test',
} as const;

/** @public Options of {@link startBackends}. */
export interface StartBackendsOptions {
  /** Region of the Secrets Manager endpoint (the signing region must match it, as on AWS). @default 'us-east-1' */
  readonly awsRegion?: string;
}

/** @public Where each started server listens, for the code under test; absent servers were not needed. */
export interface BackendEndpoints {
  readonly vault?: string;
  readonly awsSecretsManager?: string;
  readonly awsSts?: string;
  readonly gcpSecretManager?: string;
  readonly gcpSts?: string;
  readonly gcpIamCredentials?: string;
  /** The Key Vault URL that stands for every vault name the refs use. */
  readonly azureKeyVault?: string;
  readonly entra?: string;
  /** The CA (PEM) that signed every HTTPS/gRPC server's certificate, and its file. */
  readonly ca: string;
  readonly caFile: string;
}

/** @public The servers themselves, for faults, latency, leases and request logs. */
export interface StartedServers {
  readonly vault?: FakeVault;
  readonly aws?: AwsFake;
  readonly gcpAuth?: GcpAuthServer;
  readonly gcpSecretManager?: GcpSecretManagerServer;
  readonly entra?: StartedEntra;
  readonly keyVault?: StartedKeyVault;
}

/** @public What {@link startBackends} returns. */
export interface StartedBackends {
  /** The `backends` config fragment: spread it into the broker config. */
  readonly backends: Record<string, Record<string, unknown>>;
  /** What the runner's environment needs (the servers are local: keep proxies off them). */
  readonly env: Record<string, string>;
  readonly endpoints: BackendEndpoints;
  readonly servers: StartedServers;
  /** Stops every server and removes the CA and the test OIDC tokens. */
  close(): Promise<void>;
}

/**
 * @public Starts the local servers the refs need (Vault; Secrets Manager + STS; Secret Manager + its token exchange;
 * Key Vault + Entra) on 127.0.0.1, seeded so that each ref resolves to its value through the official SDKs, with
 * workload identity (a TEST ONLY OIDC token per service) as the login. TEST ONLY: never point production config here.
 *
 * @example
 * const fake = await startBackends({ 'vault:secret/app#password': 'SENTINEL-v', 'aws-sm://ci/db#password': 'SENTINEL-a' });
 * defineConfig({ backends: fake.backends });
 */
export async function startBackends(
  values: Readonly<Record<string, string>>,
  options: StartBackendsOptions = {}
): Promise<StartedBackends> {
  const seeds = seedsOf(values);
  const tls = await createTestTls();
  const dir = await mkdtemp(join(tmpdir(), 'credential-broker-test-identity-'));
  const closers: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true }), () => tls.dispose()];
  const close = async () => {
    const all = closers.splice(0).reverse();
    await Promise.allSettled(all.map((stop) => stop()));
  };
  try {
    const started = await startAll(seeds, tls, dir, options, closers);
    return { ...started, env: { NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' }, close };
  } catch (error) {
    await close();
    throw error;
  }
}

type Parts = Omit<StartedBackends, 'env' | 'close'>;

async function startAll(
  seeds: Seeds,
  tls: TestTls,
  dir: string,
  options: StartBackendsOptions,
  closers: (() => Promise<void>)[]
): Promise<Parts> {
  const backends: Record<string, Record<string, unknown>> = {};
  const endpoints: Record<string, string> = { ca: tls.ca, caFile: tls.caFile };
  const servers: Record<string, unknown> = {};
  const tokenFile = async (service: string, audience: string) => {
    const file = join(dir, `${service}.jwt`);
    const token = testJwt(audience, service);
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    return { file, token };
  };

  if (seeds.vault.size > 0) {
    const oidc = await tokenFile('vault', 'vault');
    const mounts = Object.fromEntries(
      [...seeds.vault].map(([mount, paths]) => [
        mount,
        {
          type: 'kv' as const,
          version: 2 as const,
          secrets: Object.fromEntries([...paths].map(([path, data]) => [path, [{ data }]])),
        },
      ])
    );
    const vault = await startFakeVault({
      tls,
      mounts,
      // The role's policy reads the seeded mounts and nothing else, as a least-privilege CI role would.
      jwt: { role: TEST_IDENTITY.vaultRole, jwt: oidc.token, allow: Object.keys(mounts).map((m) => `${m}/data/`) },
    });
    closers.push(() => vault.close());
    servers['vault'] = vault;
    endpoints['vault'] = vault.url;
    backends['vault'] = {
      address: vault.url,
      caFile: tls.caFile,
      auth: { method: 'jwt', role: TEST_IDENTITY.vaultRole, token: { file: oidc.file } },
    };
  }

  if (seeds.awsSm.size > 0) {
    const region = options.awsRegion ?? TEST_IDENTITY.awsRegion;
    const oidc = await tokenFile('aws', 'sts.amazonaws.com');
    const aws = await startAwsFake({
      accountId: TEST_IDENTITY.awsAccountId,
      region,
      secrets: [...seeds.awsSm].map(([name, stored]) => ({
        name,
        versions: [{ id: randomUUID(), stages: ['AWSCURRENT'], string: textOf(stored) }],
      })),
      webIdentity: { tokens: [oidc.token], roles: [TEST_IDENTITY.awsRoleArn] },
    });
    closers.push(() => aws.close());
    servers['aws'] = aws;
    endpoints['awsSecretsManager'] = aws.url;
    endpoints['awsSts'] = aws.url;
    backends['aws-sm'] = {
      region,
      endpoint: aws.url,
      auth: {
        method: 'web-identity',
        roleArn: TEST_IDENTITY.awsRoleArn,
        token: { file: oidc.file },
        stsEndpoint: aws.url,
        stsRegion: region,
      },
    };
  }

  if (seeds.gcpSm.size > 0) {
    const { startGcpAuth, startGcpSecretManager } = await loadGcpServers();
    const oidc = await tokenFile('gcp', TEST_IDENTITY.gcpAudience);
    const auth = await startGcpAuth({
      subjectToken: oidc.token,
      audience: TEST_IDENTITY.gcpAudience,
      serviceAccounts: [TEST_IDENTITY.gcpServiceAccount],
    });
    closers.push(() => auth.close());
    const secrets = Object.fromEntries([...seeds.gcpSm].map(([name, stored]) => [name, [{ data: textOf(stored) }]]));
    const sm = await startGcpSecretManager({
      tls,
      secrets,
      isValidToken: (token, scope) => auth.isValid(token, scope),
    });
    closers.push(() => sm.close());
    servers['gcpAuth'] = auth;
    servers['gcpSecretManager'] = sm;
    endpoints['gcpSecretManager'] = sm.url;
    endpoints['gcpSts'] = auth.tokenUrl;
    endpoints['gcpIamCredentials'] = auth.impersonationUrl(TEST_IDENTITY.gcpServiceAccount);
    backends['gcp-sm'] = {
      endpoint: sm.url,
      caFile: tls.caFile,
      auth: {
        method: 'workload-identity',
        audience: TEST_IDENTITY.gcpAudience,
        token: { file: oidc.file },
        serviceAccount: TEST_IDENTITY.gcpServiceAccount,
        tokenUrl: auth.tokenUrl,
        impersonationUrl: auth.impersonationUrl(TEST_IDENTITY.gcpServiceAccount),
      },
    };
  }

  if (seeds.azureKv.size > 0) {
    const oidc = await tokenFile('azure', 'api://AzureADTokenExchange');
    const entra = await startEntra({
      tls,
      tenantId: TEST_IDENTITY.azureTenantId,
      clientId: TEST_IDENTITY.azureClientId,
      assertion: oidc.token,
    });
    closers.push(() => entra.close());
    const keyVault = await startKeyVault({
      tls,
      tenantId: TEST_IDENTITY.azureTenantId,
      secrets: Object.fromEntries(
        [...seeds.azureKv].map(([name, stored]) => [
          name,
          [{ value: textOf(stored), ...('fields' in stored ? { contentType: 'application/json' } : {}) }],
        ])
      ),
      acceptToken: (token, resource) => entra.isValid(token, resource),
    });
    closers.push(() => keyVault.close());
    servers['entra'] = entra;
    servers['keyVault'] = keyVault;
    endpoints['entra'] = entra.url;
    endpoints['azureKeyVault'] = keyVault.url;
    backends['azure-kv'] = {
      endpoint: keyVault.url,
      caFile: tls.caFile,
      auth: {
        method: 'workload-identity',
        tenantId: TEST_IDENTITY.azureTenantId,
        clientId: TEST_IDENTITY.azureClientId,
        token: { file: oidc.file },
        authorityHost: entra.url,
      },
    };
  }
  return { backends, endpoints: endpoints as unknown as BackendEndpoints, servers: servers as StartedServers };
}

/**
 * A JWT-shaped OIDC token, unsigned (TEST ONLY: the local servers accept exactly the token they were given, they do
 * not verify signatures), with the audience and issuer a real provider would put in it.
 */
function testJwt(audience: string, service: string): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return [
    part({ alg: 'RS256', typ: 'JWT', kid: 'credential-broker-test' }),
    part({
      iss: 'https://oidc.credential-broker.test',
      sub: `system:serviceaccount:credential-broker-test:${service}`,
      aud: audience,
      iat: now,
      exp: now + 86_400,
      jti: randomUUID(),
    }),
    `TEST-ONLY-${randomBytes(16).toString('base64url')}`,
  ].join('.');
}
