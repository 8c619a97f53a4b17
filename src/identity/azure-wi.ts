import type { FetchContext } from '../backend/types.js';
import { isBrokerError } from '../errors.js';
import { MintCache } from './mint-cache.js';
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

/** @public `@azure/core-auth`'s AccessToken, restated so that only the backend's client file imports the SDK. */
export interface AzureAccessToken {
  readonly token: string;
  /** Milliseconds since the epoch. */
  readonly expiresOnTimestamp: number;
  readonly refreshAfterTimestamp?: number;
  readonly tokenType?: 'Bearer' | 'pop';
}

/** @public The part of `@azure/core-auth`'s GetTokenOptions a Key Vault client passes. */
export interface AzureGetTokenOptions {
  readonly abortSignal?: { readonly aborted: boolean } | undefined;
  readonly tenantId?: string | undefined;
  readonly claims?: string | undefined;
  readonly enableCae?: boolean | undefined;
}

/** @public `@azure/core-auth`'s TokenCredential, structurally. */
export interface AzureTokenCredential {
  getToken(scopes: string | string[], options?: AzureGetTokenOptions): Promise<AzureAccessToken | null>;
}

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
 * @internal A failed mint, before the backend adds the ref: code, our own reason and hint, never Entra's text.
 */
export class AzureMintFailure extends Error {
  override readonly name = 'AzureMintFailure';
  constructor(
    readonly code: 'MINT_FAILED' | 'NO_IDENTITY' | 'UNAVAILABLE',
    readonly reason: string,
    readonly hint: string,
    readonly transient: boolean,
    cause?: unknown
  ) {
    super(reason, cause === undefined ? undefined : { cause });
  }
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

/** @public Builds the SDK's `ClientAssertionCredential` for one mint (see {@link createAzureWorkloadIdentityCredential}). */
export type AssertionCredentialFactory = (
  identity: AzureWorkloadIdentity,
  getAssertion: () => Promise<string>
) => AzureTokenCredential;

/** @public A credential whose tokens are minted once, shared, and re-minted as they age. */
export interface CachedAzureCredential extends AzureTokenCredential {
  /** Forget every token (the service refused one): the next request mints. */
  invalidate(): void;
  /** Mints started so far. */
  readonly mints: number;
}

/** @public Options of {@link cacheAzureCredential}. */
export interface CacheAzureCredentialOptions {
  /** The clock. @default Date.now, read at each call */
  readonly now?: () => number;
  /** The identity's tenant: a challenge naming another one fails with a clear reason instead of Entra's. */
  readonly tenantId?: string;
  /** Turns an SDK failure into an {@link AzureMintFailure}. */
  readonly classify: (error: unknown) => unknown;
}

type Held = { readonly token: AzureAccessToken; readonly mintedAt: number };

const FIVE_MINUTES = 5 * 60_000;

/**
 * @public Wraps `mint` as a TokenCredential whose tokens live in a {@link MintCache} keyed by scopes and tenant. A
 * Key Vault client asks its credential on every request; this answers from the cache and tells the client that the
 * token "expires" when the cache would re-mint it, so the client comes back (and waits for the new token) then.
 */
export function cacheAzureCredential(
  mint: (scopes: string[], options: AzureGetTokenOptions) => Promise<AzureAccessToken>,
  options: CacheAzureCredentialOptions
): CachedAzureCredential {
  const now = options.now ?? (() => Date.now());
  const cache = new MintCache<Held>({ now, refreshWindowMs: FIVE_MINUTES });
  return {
    get mints() {
      return cache.mints;
    },
    invalidate: () => cache.invalidate(),
    async getToken(scopes, tokenOptions = {}) {
      const list = (Array.isArray(scopes) ? scopes : [scopes]).slice().sort();
      const tenant = tokenOptions.tenantId;
      if (
        options.tenantId !== undefined &&
        tenant !== undefined &&
        tenant.toLowerCase() !== options.tenantId.toLowerCase()
      ) {
        throw new AzureMintFailure(
          'MINT_FAILED',
          `the vault belongs to tenant ${tenant}, but the identity is in tenant ${options.tenantId}`,
          "Set auth.tenantId to the vault's tenant",
          false
        );
      }
      const key = `${list.join(' ')}\u0000${tenant ?? ''}`;
      if (tokenOptions.claims !== undefined) {
        // A claims challenge (CAE) says the held token was revoked.
        cache.invalidate(key);
      }
      const held = await abortable(
        cache.get(key, async () => {
          const mintedAt = now();
          try {
            const token = await mint(list, tokenOptions);
            return { value: { token, mintedAt }, expiresAt: new Date(token.expiresOnTimestamp) };
          } catch (error) {
            throw options.classify(error);
          }
        }),
        tokenOptions.abortSignal
      );
      return { token: held.token.token, expiresOnTimestamp: refreshPoint(held), tokenType: 'Bearer' };
    },
  };
}

/** Where MintCache stops serving a token: five minutes before expiry, or half its lifetime when that is shorter. */
function refreshPoint({ token, mintedAt }: Held): number {
  const expiry = token.expiresOnTimestamp;
  return expiry - Math.min(FIVE_MINUTES, Math.max(0, expiry - mintedAt) / 2);
}

/** @public Options of {@link createAzureWorkloadIdentityCredential}. */
export interface AzureWorkloadIdentityOptions {
  readonly identity: AzureWorkloadIdentity;
  /** Env and config dir the token source is read with. */
  readonly ctx: Pick<FetchContext, 'env' | 'baseDir'>;
  readonly newCredential: AssertionCredentialFactory;
  readonly now?: () => number;
  /** Backend named in token-source errors. @default 'azure-kv' */
  readonly backend?: string;
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
      const signal = tokenOptions.abortSignal instanceof AbortSignal ? tokenOptions.abortSignal : undefined;
      const credential = options.newCredential(identity, async () => {
        try {
          const token = await readOidcToken(identity.token, {
            backend,
            audience: AZURE_TOKEN_EXCHANGE_AUDIENCE,
            ctx: { ...ctx, signal: signal ?? new AbortController().signal },
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
    { tenantId: identity.tenantId, classify: (error) => classifyEntraError(error, identity), ...nowOption(options.now) }
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

/** The SDK's token request cannot be aborted; stop waiting for it instead (it finishes into the cache or nowhere). */
function abortable<T>(promise: Promise<T>, signal: AzureGetTokenOptions['abortSignal']): Promise<T> {
  if (!(signal instanceof AbortSignal)) {
    return promise;
  }
  if (signal.aborted) {
    return Promise.reject(abortError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      }
    );
  });
}

function abortError(): Error {
  return new DOMException('The token request was aborted', 'AbortError');
}
