import { type AbortSignalLike, abortError, untilAborted } from '../sdk/until-aborted.js';
import { MintCache } from './mint-cache.js';

/** @public `@azure/core-auth`'s AccessToken, restated so that only the backend's client file imports the SDK. */
export interface AzureAccessToken {
  readonly token: string;
  /** Milliseconds since the epoch. */
  readonly expiresOnTimestamp: number;
  readonly refreshAfterTimestamp?: number;
  readonly tokenType?: 'Bearer' | 'pop';
  /**
   * Set by {@link cacheAzureCredential} only: when the token really expires (its `expiresOnTimestamp` is the cache's
   * refresh point), for callers that hand the token on and must state its expiry (a managed-identity endpoint).
   */
  readonly mintedExpiresOnTimestamp?: number;
}

/** @public The part of `@azure/core-auth`'s GetTokenOptions a Key Vault client passes. */
export interface AzureGetTokenOptions {
  readonly abortSignal?: AbortSignalLike | undefined;
  readonly tenantId?: string | undefined;
  readonly claims?: string | undefined;
  readonly enableCae?: boolean | undefined;
}

/** @public `@azure/abort-controller`'s AbortSignalLike: what the SDK hands a credential. */
export type { AbortSignalLike };

/** @public `@azure/core-auth`'s TokenCredential, structurally. */
export interface AzureTokenCredential {
  getToken(scopes: string | string[], options?: AzureGetTokenOptions): Promise<AzureAccessToken | null>;
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
  /** Told of each mint (the audit record): the scopes and when the token expires, never the token. */
  readonly onMint?: (scopes: string, expiresAt: Date | undefined) => void;
  /** Backend named in a mint's TIMEOUT error. @default 'azure-kv' */
  readonly backend?: string;
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
  const cache = new MintCache<Held>({
    now,
    refreshWindowMs: FIVE_MINUTES,
    backend: options.backend ?? 'azure-kv',
    timeoutHint: 'Check that Entra (auth.authorityHost) and the token source answer',
    ...(options.onMint === undefined
      ? {}
      : {
          onMint: (key: string, expiresAt: Date | undefined) =>
            options.onMint?.(key.split('\u0000')[0] ?? '', expiresAt),
        }),
  });
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
      const held = await untilAborted(
        cache.get(key, async () => {
          const mintedAt = now();
          try {
            const token = await mint(list, tokenOptions);
            return { value: { token, mintedAt }, expiresAt: new Date(token.expiresOnTimestamp) };
          } catch (error) {
            throw options.classify(error);
          }
        }),
        tokenOptions.abortSignal,
        () => abortError('The token request was aborted')
      );
      return {
        token: held.token.token,
        expiresOnTimestamp: refreshPoint(held),
        tokenType: 'Bearer',
        mintedExpiresOnTimestamp: held.token.expiresOnTimestamp,
      };
    },
  };
}

/** Where MintCache stops serving a token: five minutes before expiry, or half its lifetime when that is shorter. */
function refreshPoint({ token, mintedAt }: Held): number {
  const expiry = token.expiresOnTimestamp;
  return expiry - Math.min(FIVE_MINUTES, Math.max(0, expiry - mintedAt) / 2);
}
