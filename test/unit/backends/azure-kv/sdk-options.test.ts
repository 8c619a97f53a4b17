import { describe, expect, it } from 'vitest';
import { createAzureKvBackend } from '../../../../src/backends/azure-kv/index.js';
import type { AzureKvSettings } from '../../../../src/backends/azure-kv/settings.js';
import type { FetchContext } from '../../../../src/contract/backend.js';
import { parseRef } from '../../../../src/ref/index.js';
import type { AzureKvRef } from '../../../../src/ref/types.js';

type Recorded = { kind: string; args: unknown[] };

/** A stand-in for both SDK packages that records how they are constructed and called. */
interface SecretClientStub {
  credential: { getToken(scopes: string[], options: unknown): Promise<unknown> };
}

function stubSdk(askToken = false) {
  const log: Recorded[] = [];
  const modules: Record<string, unknown> = {
    '@azure/keyvault-secrets': {
      SecretClient: class {
        readonly url: string;
        readonly credential: { getToken(scopes: string[], options: unknown): Promise<unknown> };
        constructor(url: string, credential: SecretClientStub['credential'], options: unknown) {
          this.url = url;
          this.credential = credential;
          log.push({ kind: 'SecretClient', args: [url, options] });
        }
        async getSecret(name: string, options: { abortSignal?: unknown; version?: string }) {
          if (askToken) {
            // What the challenge policy does once the vault has answered 401.
            await this.credential.getToken([`https://vault.azure.cn/.default`], { tenantId: 't', enableCae: true });
          }
          log.push({ kind: 'getSecret', args: [this.url, name, options.version, options.abortSignal !== undefined] });
          return { value: `CANARY_STUB_${name}`, properties: { version: 'v1' } };
        }
      },
    },
    '@azure/identity': {
      ClientAssertionCredential: class {
        readonly getAssertion: () => Promise<string>;
        constructor(tenantId: string, clientId: string, getAssertion: () => Promise<string>, options: unknown) {
          this.getAssertion = getAssertion;
          log.push({ kind: 'ClientAssertionCredential', args: [tenantId, clientId, options] });
        }
        async getToken(scopes: string[], options: unknown) {
          const assertion = await this.getAssertion();
          log.push({ kind: 'getToken', args: [scopes, options, assertion === 'CANARY_STUB_OIDC'] });
          return { token: 'CANARY_STUB_ACCESS', expiresOnTimestamp: Date.now() + 3_600_000 };
        }
      },
      DefaultAzureCredential: class {
        constructor(options: unknown) {
          log.push({ kind: 'DefaultAzureCredential', args: [options] });
        }
      },
    },
  };
  return { log, importer: async (specifier: string) => modules[specifier] };
}

const ctx = (env: Record<string, string> = {}): FetchContext => ({
  signal: new AbortController().signal,
  env,
  baseDir: '/',
  log: { debug() {}, info() {}, warn() {} },
});
const ref = (text: string) => parseRef(text) as AzureKvRef;
const WI = { method: 'workload-identity', tenantId: 't', clientId: 'c', token: 'kubernetes' } as const;

async function run(settings: AzureKvSettings, refs: string[], env: Record<string, string> = {}) {
  const { log, importer } = stubSdk();
  const backend = createAzureKvBackend(settings, { importer });
  for (const r of refs) {
    await backend.fetch(ref(r), ctx(env));
  }
  await backend.close?.();
  return log;
}

describe(createAzureKvBackend.name, () => {
  it("builds the vault URL from the cloud, one SecretClient per vault, Azure's retries off, the signal passed", async () => {
    const log = await run({ cloud: 'china', auth: WI }, [
      'azure-kv://kv-one/a',
      'azure-kv://kv-two/b?version=0123456789abcdef0123456789abcdef',
      'azure-kv://kv-one/c',
    ]);
    expect(log.filter((r) => r.kind !== 'ClientAssertionCredential')).toEqual([
      {
        kind: 'SecretClient',
        args: [
          'https://kv-one.vault.azure.cn',
          {
            disableChallengeResourceVerification: false,
            allowInsecureConnection: false,
            retryOptions: { maxRetries: 0 },
            additionalPolicies: [],
            userAgentOptions: { userAgentPrefix: 'credential-broker' },
          },
        ],
      },
      { kind: 'getSecret', args: ['https://kv-one.vault.azure.cn', 'a', undefined, true] },
      { kind: 'SecretClient', args: ['https://kv-two.vault.azure.cn', expect.anything()] },
      {
        kind: 'getSecret',
        args: ['https://kv-two.vault.azure.cn', 'b', '0123456789abcdef0123456789abcdef', true],
      },
      { kind: 'getSecret', args: ['https://kv-one.vault.azure.cn', 'c', undefined, true] },
    ]);
  });

  it('a custom endpoint serves every vault name and skips the challenge resource check', async () => {
    const log = await run({ endpoint: 'http://127.0.0.1:8080/', auth: { method: 'default' } }, [
      'azure-kv://kv-one/a',
      'azure-kv://kv-two/b',
    ]);
    expect(log.filter((r) => r.kind === 'SecretClient')).toEqual([
      {
        kind: 'SecretClient',
        args: [
          'http://127.0.0.1:8080',
          expect.objectContaining({ disableChallengeResourceVerification: true, allowInsecureConnection: true }),
        ],
      },
    ]);
    expect(log.filter((r) => r.kind === 'DefaultAzureCredential')).toEqual([
      { kind: 'DefaultAzureCredential', args: [{ retryOptions: { maxRetries: 0 }, additionalPolicies: [] }] },
    ]);
  });

  it("mints with ClientAssertionCredential: instance discovery off, the cloud's authority, no SDK retries", async () => {
    const { log, importer } = stubSdk(true);
    const settings: AzureKvSettings = { cloud: 'china', auth: { ...WI, token: { env: 'OIDC' } } };
    const backend = createAzureKvBackend(settings, { importer });
    await backend.fetch(ref('azure-kv://kvx/a'), ctx({ OIDC: 'CANARY_STUB_OIDC' }));
    await backend.fetch(ref('azure-kv://kvx/b'), ctx({ OIDC: 'CANARY_STUB_OIDC' }));
    expect(log.filter((r) => r.kind === 'ClientAssertionCredential' || r.kind === 'getToken')).toEqual([
      {
        kind: 'ClientAssertionCredential',
        args: [
          't',
          'c',
          {
            authorityHost: 'https://login.chinacloudapi.cn',
            disableInstanceDiscovery: true,
            retryOptions: { maxRetries: 0 },
            additionalPolicies: [],
          },
        ],
      },
      {
        kind: 'getToken',
        args: [
          ['https://vault.azure.cn/.default'],
          { tenantId: 't', claims: undefined, enableCae: true, abortSignal: expect.any(AbortSignal) },
          true,
        ],
      },
    ]);
  });

  it('without auth: DefaultAzureCredential, unless the AKS trio is set', async () => {
    expect((await run({}, ['azure-kv://kvx/a'])).map((r) => r.kind)).toEqual([
      'DefaultAzureCredential',
      'SecretClient',
      'getSecret',
    ]);
    const aks = { AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'c', AZURE_FEDERATED_TOKEN_FILE: '/var/run/token' };
    expect((await run({}, ['azure-kv://kvx/a'], aks)).map((r) => r.kind)).toEqual(['SecretClient', 'getSecret']);
  });
});
