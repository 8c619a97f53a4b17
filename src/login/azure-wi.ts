import type { FetchContext } from '../contract/backend.js';
import { isBrokerError } from '../errors.js';
import {
  AzureMintFailure,
  type AzureTokenCredential,
  type CachedAzureCredential,
  cacheAzureCredential,
} from './azure-token-cache.js';
import { describeTokenSource, readOidcToken, type TokenSource } from './token-source.js';

/** @public Env vars AKS workload identity (and `WorkloadIdentityCredential`) read. */
export const ENV_AZURE_TENANT_ID = 'AZURE_TENANT_ID';
/** @public See {@link ENV_AZURE_TENANT_ID}. */
export const ENV_AZURE_CLIENT_ID = 'AZURE_CLIENT_ID';
/** @public See {@link ENV_AZURE_TENANT_ID}. */
export const ENV_AZURE_FEDERATED_TOKEN_FILE = 'AZURE_FEDERATED_TOKEN_FILE';
/** @public See {@link ENV_AZURE_TENANT_ID}. */
export const ENV_AZURE_AUTHORITY_HOST = 'AZURE_AUTHORITY_HOST';

/** @public The audience Entra requires of a federated client assertion. */
export const AZURE_TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/** @public Entra's host per Azure cloud. */
export const AZURE_AUTHORITY_HOSTS = {
  public: 'https://login.microsoftonline.com',
  china: 'https://login.chinacloudapi.cn',
  usgov: 'https://login.microsoftonline.us',
} as const;

/** @public A federated workload identity, from the settings or from the AKS env vars. */
export interface AzureWorkloadIdentity {
  readonly tenantId: string;
  readonly clientId: string;
  readonly token: TokenSource;
  /** https only (MSAL refuses anything else). */
  readonly authorityHost: string;
  /** Where it was configured, for logs and hints. */
  readonly from: 'settings' | 'env';
}

/**
 * @public The workload identity AKS sets up: AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE (all
 * three), AZURE_AUTHORITY_HOST optional. Undefined when one of the three is missing.
 */
export function azureWorkloadIdentityFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  defaultAuthorityHost: string
): AzureWorkloadIdentity | undefined {
  const tenantId = env[ENV_AZURE_TENANT_ID];
  const clientId = env[ENV_AZURE_CLIENT_ID];
  const file = env[ENV_AZURE_FEDERATED_TOKEN_FILE];
  if (!tenantId || !clientId || !file) {
    return undefined;
  }
  return {
    tenantId,
    clientId,
    token: { file },
    authorityHost: env[ENV_AZURE_AUTHORITY_HOST] || defaultAuthorityHost,
    from: 'env',
  };
}

/** @public `backends['azure-kv'].auth`, as far as choosing the identity needs it. */
export type AzureAuthSettings =
  | {
      readonly method: 'workload-identity';
      readonly tenantId: string;
      readonly clientId: string;
      readonly token: TokenSource;
      readonly authorityHost?: string | undefined;
    }
  | { readonly method: 'default' };

/**
 * @public The federated identity a run uses, or undefined for `DefaultAzureCredential`: the settings' (authority host:
 * theirs, else AZURE_AUTHORITY_HOST, else the cloud's), else, with no `auth`, the AKS env vars. The backend and the
 * manifest both ask this, so that the manifest names the Entra host the client contacts.
 */
export function azureWorkloadIdentity(
  auth: AzureAuthSettings | undefined,
  env: Readonly<Record<string, string | undefined>>,
  defaultAuthorityHost: string
): AzureWorkloadIdentity | undefined {
  if (auth === undefined) {
    return azureWorkloadIdentityFromEnv(env, defaultAuthorityHost);
  }
  if (auth.method !== 'workload-identity') {
    return undefined;
  }
  return {
    tenantId: auth.tenantId,
    clientId: auth.clientId,
    token: auth.token,
    authorityHost: auth.authorityHost ?? (env[ENV_AZURE_AUTHORITY_HOST] || defaultAuthorityHost),
    from: 'settings',
  };
}

/** @public Builds the SDK's `ClientAssertionCredential` for one mint (see {@link createAzureWorkloadIdentityCredential}). */
export type AssertionCredentialFactory = (
  identity: AzureWorkloadIdentity,
  getAssertion: () => Promise<string>
) => AzureTokenCredential;

/** @public Options of {@link createAzureWorkloadIdentityCredential}. */
export interface AzureWorkloadIdentityOptions {
  readonly identity: AzureWorkloadIdentity;
  /** Env and config dir the token source is read with. */
  readonly ctx: Pick<FetchContext, 'env' | 'baseDir'>;
  readonly newCredential: AssertionCredentialFactory;
  readonly now?: () => number;
  /**
   * The backend's lifetime (aborted by `close()`). A mint is shared by concurrent fetches, so it answers to this, not
   * to the signal of the fetch that happened to start it. @default never aborted
   */
  readonly signal?: AbortSignal;
  /** Backend named in token-source errors. @default 'azure-kv' */
  readonly backend?: string;
  /** Told of each mint (the audit record). */
  readonly onMint?: (scopes: string, expiresAt: Date | undefined) => void;
}

/**
 * @public Federated workload identity: each mint reads a fresh OIDC token (projected tokens rotate) and presents it
 * as the client assertion of a new `ClientAssertionCredential`. A new SDK credential per mint keeps MSAL's own token
 * cache and its 60-second hold after an Entra 5xx/429 out of the way: {@link cacheAzureCredential} is the one cache,
 * and the resolver's retries are the only retries.
 */
export function createAzureWorkloadIdentityCredential(options: AzureWorkloadIdentityOptions): CachedAzureCredential {
  const { identity, ctx } = options;
  const backend = options.backend ?? 'azure-kv';
  return cacheAzureCredential(
    async (scopes, tokenOptions) => {
      let assertionError: unknown;
      const signal = options.signal ?? new AbortController().signal;
      const credential = options.newCredential(identity, async () => {
        try {
          const token = await readOidcToken(identity.token, {
            backend,
            audience: AZURE_TOKEN_EXCHANGE_AUDIENCE,
            ctx: { ...ctx, signal },
          });
          return token.reveal();
        } catch (error) {
          assertionError = error;
          throw error;
        }
      });
      try {
        const token = await credential.getToken(scopes, {
          tenantId: tokenOptions.tenantId,
          claims: tokenOptions.claims,
          enableCae: tokenOptions.enableCae,
          abortSignal: signal,
        });
        if (token === null) {
          throw new AzureMintFailure('MINT_FAILED', 'Entra ID answered without a token', entraHint(identity), false);
        }
        return token;
      } catch (error) {
        // MSAL wraps what the assertion callback threw; ours is the precise one (NO_IDENTITY with its hint).
        throw assertionError ?? error;
      }
    },
    {
      tenantId: identity.tenantId,
      backend,
      classify: (error) => classifyEntraError(error, identity),
      ...nowOption(options.now),
      ...(options.onMint === undefined ? {} : { onMint: options.onMint }),
    }
  );
}

function nowOption(now: (() => number) | undefined): { now?: () => number } {
  return now === undefined ? {} : { now };
}

/**
 * @internal Maps what `@azure/identity` throws for a token request to our codes. Only the AADSTS number is taken
 * from Entra's text (its descriptions echo ids and can carry more); the rest of the reason is ours.
 */
export function classifyEntraError(error: unknown, identity: AzureWorkloadIdentity | undefined): unknown {
  if (error instanceof AzureMintFailure || isBrokerError(error) || isAbort(error)) {
    return error;
  }
  const name = error instanceof Error ? error.name : 'error';
  const message = error instanceof Error ? error.message : '';
  const where = identity === undefined ? 'Entra ID' : `Entra ID (${identity.authorityHost})`;
  if (identity === undefined) {
    // DefaultAzureCredential: every source it tried was missing or refused.
    return new AzureMintFailure(
      'NO_IDENTITY',
      `DefaultAzureCredential got no token (${name})`,
      'Configure auth as { method: "workload-identity", tenantId, clientId, token }, or provide a source DefaultAzureCredential reads (AZURE_* env vars, workload identity, managed identity, az login)',
      false,
      error
    );
  }
  if (message.includes('endpoints_resolution_error')) {
    return new AzureMintFailure(
      'UNAVAILABLE',
      `cannot read the OpenID configuration of tenant ${identity.tenantId} from ${where}`,
      'Check auth.tenantId and the authority host, that it is reachable, and that its certificate is trusted (caFile)',
      true,
      error
    );
  }
  const code = /AADSTS(\d+)/.exec(message)?.[1] ?? /Error\(s\): (\d+)/.exec(message)?.[1];
  const source = describeTokenSource(identity.token);
  switch (code) {
    case '700016':
      return new AzureMintFailure(
        'MINT_FAILED',
        `${where} knows no application ${identity.clientId} in tenant ${identity.tenantId} (AADSTS700016)`,
        'Check auth.clientId (the app registration or managed identity) and auth.tenantId',
        false,
        error
      );
    case '70021':
    case '700211':
    case '700212':
    case '700213':
      return new AzureMintFailure(
        'NO_IDENTITY',
        `${where} found no federated credential of application ${identity.clientId} that matches the OIDC token from ${source} (AADSTS${code})`,
        `Add a federated credential whose issuer and subject are the token's, with audience ${AZURE_TOKEN_EXCHANGE_AUDIENCE}`,
        false,
        error
      );
    case '50027':
    case '700024':
    case '50013':
      return new AzureMintFailure(
        'MINT_FAILED',
        `${where} rejected the OIDC token from ${source} as a client assertion (AADSTS${code})`,
        `The token must be a current, well-formed JWT with audience ${AZURE_TOKEN_EXCHANGE_AUDIENCE}`,
        false,
        error
      );
    case '90002':
      return new AzureMintFailure(
        'MINT_FAILED',
        `${where} knows no tenant ${identity.tenantId} (AADSTS90002)`,
        'Check auth.tenantId',
        false,
        error
      );
    case '50001':
    case '90033':
      return transientEntra(where, code, error);
  }
  if (/^(temporarily_unavailable|server_error)\b/.test(message)) {
    return transientEntra(where, code, error);
  }
  return new AzureMintFailure(
    'MINT_FAILED',
    `${where} refused the token request (${code === undefined ? name : `AADSTS${code}`})`,
    entraHint(identity),
    false,
    error
  );
}

function transientEntra(where: string, code: string | undefined, error: unknown): AzureMintFailure {
  return new AzureMintFailure(
    'UNAVAILABLE',
    `${where} is unavailable${code === undefined ? '' : ` (AADSTS${code})`}`,
    'Retry later',
    true,
    error
  );
}

function entraHint(identity: AzureWorkloadIdentity): string {
  return `Check the federated credential of application ${identity.clientId} in tenant ${identity.tenantId}`;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
