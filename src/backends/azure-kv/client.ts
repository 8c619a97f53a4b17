// The only file that imports the Azure SDK, and only at the first fetch (G10).
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { ClientAssertionCredentialOptions } from '@azure/identity';
import type { KeyVaultSecret, SecretClient } from '@azure/keyvault-secrets';
import type { FetchContext } from '../../contract/backend.js';
import { BrokerError } from '../../errors.js';
import { type CachedAzureCredential, cacheAzureCredential } from '../../login/azure-token-cache.js';
import {
  AZURE_AUTHORITY_HOSTS,
  type AzureWorkloadIdentity,
  azureWorkloadIdentity,
  classifyEntraError,
  createAzureWorkloadIdentityCredential,
  ENV_AZURE_AUTHORITY_HOST,
  ENV_AZURE_CLIENT_ID,
  ENV_AZURE_FEDERATED_TOKEN_FILE,
  ENV_AZURE_TENANT_ID,
} from '../../login/azure-wi.js';
import { readCaFile } from '../../sdk/ca-file.js';
import { importPeer } from '../../sdk/import-peer.js';
import { isTokenRefused, mapKeyVaultError } from './errors.js';
import type { AzureKvSettings } from './settings.js';

/** @internal How the SDK packages are loaded; tests inject a failing one. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/** @internal Everything the backend needs from the SDK, built once per backend instance. */
export interface KeyVaultSession {
  /** Reads one secret version (the current one without `version`), minting and retrying a refused token once. */
  getSecret(vaultUrl: string, name: string, version: string | undefined, meta: ReadMeta): Promise<KeyVaultSecret>;
  readonly credential: CachedAzureCredential;
  /** Which credential source is used, for the log. */
  readonly source: string;
  close(): void;
}

/** @internal */
export interface ReadMeta {
  readonly ref: string;
  readonly signal: AbortSignal;
}

/** @internal Options of {@link openKeyVault}. */
export interface OpenKeyVaultOptions {
  readonly settings: AzureKvSettings;
  readonly ctx: Pick<FetchContext, 'env' | 'baseDir' | 'audit'>;
  readonly importer?: ModuleImporter;
  readonly now?: () => number;
}

const BACKEND = 'azure-kv';

/** @internal Loads the SDK, the CA and the credential. Throws BrokerError (without a ref; the caller adds it). */
export async function openKeyVault(options: OpenKeyVaultOptions): Promise<KeyVaultSession> {
  const { settings, ctx } = options;
  const importer = options.importer ?? ((specifier: string) => import(specifier));
  const secrets = await loadPackage<typeof import('@azure/keyvault-secrets')>(importer, '@azure/keyvault-secrets');
  const identitySdk = await loadPackage<typeof import('@azure/identity')>(importer, '@azure/identity');
  const agent = settings.caFile === undefined ? undefined : await caAgent(settings.caFile, ctx.baseDir);
  const additionalPolicies = agent === undefined ? [] : [{ position: 'perCall' as const, policy: agentPolicy(agent) }];
  const cloudAuthority = AZURE_AUTHORITY_HOSTS[settings.cloud ?? 'public'];
  const now = options.now === undefined ? {} : { now: options.now };

  // Mints are shared by concurrent fetches: they answer to the session's lifetime, not to one fetch's signal.
  const closing = new AbortController();
  let credential: CachedAzureCredential;
  let source: string;
  const identity = workloadIdentity(settings, ctx.env, cloudAuthority);
  if (identity !== undefined) {
    source =
      identity.from === 'env'
        ? `workload identity from ${ENV_AZURE_TENANT_ID}, ${ENV_AZURE_CLIENT_ID} and ${ENV_AZURE_FEDERATED_TOKEN_FILE}`
        : 'workload identity from the settings';
    credential = createAzureWorkloadIdentityCredential({
      identity,
      ctx,
      onMint: (scopes, expiresAt) =>
        ctx.audit?.minted({
          backend: BACKEND,
          identity: `client ${identity.clientId} in tenant ${identity.tenantId} for ${scopes}`,
          expiresAt,
        }),
      signal: closing.signal,
      ...now,
      newCredential: (id, getAssertion) => {
        const credentialOptions: ClientAssertionCredentialOptions = {
          authorityHost: id.authorityHost,
          // MSAL would otherwise ask login.microsoftonline.com where the authority is, whatever authorityHost says.
          disableInstanceDiscovery: true,
          retryOptions: { maxRetries: 0 },
          additionalPolicies,
        };
        return new identitySdk.ClientAssertionCredential(id.tenantId, id.clientId, getAssertion, credentialOptions);
      },
    });
  } else {
    source = 'DefaultAzureCredential';
    const sdkDefault = new identitySdk.DefaultAzureCredential({ retryOptions: { maxRetries: 0 }, additionalPolicies });
    credential = cacheAzureCredential(
      async (scopes, tokenOptions) => {
        const token = await sdkDefault.getToken(scopes, {
          ...(tokenOptions.tenantId === undefined ? {} : { tenantId: tokenOptions.tenantId }),
          ...(tokenOptions.claims === undefined ? {} : { claims: tokenOptions.claims }),
          ...(tokenOptions.enableCae === undefined ? {} : { enableCae: tokenOptions.enableCae }),
          abortSignal: closing.signal,
        });
        return token;
      },
      {
        classify: (error) => classifyEntraError(error, undefined),
        onMint: (scopes, expiresAt) =>
          ctx.audit?.minted({ backend: BACKEND, identity: `DefaultAzureCredential for ${scopes}`, expiresAt }),
        ...now,
      }
    );
  }

  const clients = new Map<string, SecretClient>();
  const clientFor = (vaultUrl: string): SecretClient => {
    let client = clients.get(vaultUrl);
    if (client === undefined) {
      client = new secrets.SecretClient(vaultUrl, credential as TokenCredential, {
        // The SDK checks that the challenge's resource matches the vault's host: kept on for every Key Vault host
        // (a private endpoint keeps its *.vault.azure.net name), off only for a host that cannot pass it.
        disableChallengeResourceVerification: !isKeyVaultHost(new URL(vaultUrl).hostname),
        allowInsecureConnection: vaultUrl.startsWith('http:'),
        // The resolver's timeout and retries are the ones the user configured.
        retryOptions: { maxRetries: 0 },
        additionalPolicies,
        userAgentOptions: { userAgentPrefix: 'credential-broker' },
      });
      clients.set(vaultUrl, client);
    }
    return client;
  };

  return {
    credential,
    source,
    async getSecret(vaultUrl, name, version, meta) {
      for (let attempt = 0; ; attempt += 1) {
        const mints = credential.mints;
        try {
          return await clientFor(vaultUrl).getSecret(name, {
            ...(version === undefined ? {} : { version }),
            abortSignal: meta.signal,
          });
        } catch (error) {
          // A held token the vault refuses (revoked, stale): drop it and the client's copy, mint once more.
          if (attempt === 0 && isTokenRefused(error) && credential.mints === mints && !meta.signal.aborted) {
            credential.invalidate();
            clients.delete(vaultUrl);
            continue;
          }
          throw mapKeyVaultError(error, { ...meta, vaultUrl });
        }
      }
    },
    close() {
      closing.abort();
      clients.clear();
      credential.invalidate();
      agent?.destroy();
    },
  };
}

function workloadIdentity(
  settings: AzureKvSettings,
  env: Readonly<Record<string, string | undefined>>,
  cloudAuthority: string
): AzureWorkloadIdentity | undefined {
  const auth = settings.auth;
  const identity = azureWorkloadIdentity(auth, env, cloudAuthority);
  if (identity !== undefined && !/^https:\/\//i.test(identity.authorityHost)) {
    throw new BrokerError('CONFIG_INVALID', `the authority host ${identity.authorityHost} is not an https URL`, {
      backend: BACKEND,
      operation: 'configure identity',
      hint: `Entra ID is only reached over https; fix ${auth === undefined ? ENV_AZURE_AUTHORITY_HOST : `auth.authorityHost or ${ENV_AZURE_AUTHORITY_HOST}`}`,
    });
  }
  return identity;
}

function loadPackage<T>(importer: ModuleImporter, name: string): Promise<T> {
  return importPeer(() => importer(name) as Promise<T>, { name, backend: BACKEND });
}

async function caAgent(caFile: string, baseDir: string): Promise<Agent> {
  const pem = await readCaFile(caFile, { baseDir }, { backend: BACKEND, operation: 'configure TLS' });
  // Added to the public roots, not instead of them: Entra ID may still be the public one.
  return new Agent({ ca: [...rootCertificates, pem], keepAlive: true });
}

function agentPolicy(agent: Agent): PipelinePolicy {
  return {
    name: 'credentialBrokerCaFile',
    sendRequest(request, next) {
      if (request.url.startsWith('https:')) {
        request.agent = agent;
      }
      return next(request);
    },
  };
}

/** Key Vault's hosts in the public and sovereign clouds: the challenge's resource is checked against them. */
const KEY_VAULT_SUFFIXES = [
  '.vault.azure.net',
  '.vault.azure.cn',
  '.vault.usgovcloudapi.net',
  '.vault.microsoftazure.de',
];

function isKeyVaultHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return KEY_VAULT_SUFFIXES.some((suffix) => host.endsWith(suffix));
}
