/**
 * `gcp-token:<service-account>` access tokens for tests: one {@link MintCache} entry per (identity, service account,
 * scopes), so every test that declares the same shares one mint until it ages (single flight). The refresh window is
 * longer than google-auth-library's own five-minute eager refresh, so a token handed to a test is never one the
 * library would fetch again on every call, and never one within a minute of its expiry.
 */
import type { MintRequest } from '../../contract/backend.js';
import { BrokerError } from '../../errors.js';
import type { MintContext } from '../../login/aws-sts.js';
import { type GcpAuthLibrary, mintGcpAccessToken } from '../../login/gcp-wif.js';
import { MintCache } from '../../login/mint-cache.js';
import type { GcpTokenRef } from '../../ref/types.js';
import type { SecretValue } from '../../scrub/secret-value.js';
import { importPeer } from '../../sdk/import-peer.js';
import { GCP_DEFAULT_TOKEN_SCOPES, type GcpTokenSettings, gcpTokenImpersonationUrl } from './settings.js';

/** Ten minutes: past google-auth-library's 5-minute eager refresh (half the lifetime for short-lived tokens). */
const REFRESH_WINDOW_MS = 10 * 60_000;

/** @public One minted access token: its value and expiry. */
export interface GcpAccessToken {
  readonly token: SecretValue;
  readonly expiresAt: Date;
}

/** @public The access tokens of one run, by what decides them. */
export interface GcpTokenMints {
  token(ref: GcpTokenRef, request: MintRequest, ctx: MintContext): Promise<GcpAccessToken>;
  /** Token exchanges started so far. */
  readonly mints: number;
  close(): void;
}

/** @public How a token is minted (tests inject a fake; the default goes through google-auth-library). */
export type GcpTokenMinter = typeof mintGcpAccessToken;

const loadLibrary = (): Promise<GcpAuthLibrary> =>
  importPeer(async () => (await import('google-auth-library')) as unknown as GcpAuthLibrary, {
    name: 'google-auth-library',
    backend: 'gcp-token',
    use: 'gcp-token: references',
  });

/** @public The scopes of an entry, defaulted and in a stable order (they are part of the cache key). */
export function gcpTokenScopes(request: MintRequest): readonly string[] {
  return [...new Set(request.scopes ?? GCP_DEFAULT_TOKEN_SCOPES)].sort();
}

/** @public */
export function createGcpTokenMints(
  settings: GcpTokenSettings | undefined,
  options: { readonly now?: () => number; readonly minter?: GcpTokenMinter; readonly library?: GcpAuthLibrary } = {}
): GcpTokenMints {
  const cache = new MintCache<GcpAccessToken>({
    refreshWindowMs: REFRESH_WINDOW_MS,
    backend: 'gcp-token',
    timeoutHint: "Check that Google's STS, IAM Credentials and the token source answer",
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const mintToken = options.minter ?? mintGcpAccessToken;
  return {
    token(ref, request, ctx) {
      if (settings === undefined) {
        return Promise.reject(
          new BrokerError('CONFIG_INVALID', `no identity to mint a token of ${ref.serviceAccount} with`, {
            backend: 'gcp-token',
            operation: 'mint',
            ref: `gcp-token:${ref.serviceAccount}`,
            hint: "Define it once in the config: backends: { 'gcp-token': { audience: '//iam.googleapis.com/…', token: 'github' } }",
          })
        );
      }
      const scopes = gcpTokenScopes(request);
      const key = JSON.stringify([settings.audience, settings.tokenUrl ?? null, ref.serviceAccount, scopes]);
      return cache.get(key, async (signal) => {
        const library = options.library ?? (await loadLibrary());
        const minted = await mintToken(
          library,
          {
            audience: settings.audience,
            token: settings.token,
            serviceAccount: ref.serviceAccount,
            impersonationUrl: gcpTokenImpersonationUrl(settings, ref.serviceAccount),
            scopes,
            ...(settings.tokenUrl === undefined ? {} : { tokenUrl: settings.tokenUrl }),
          },
          { ...ctx, signal },
          'gcp-token'
        );
        // IAM Credentials always answers an expiry; without one, assume the shortest lifetime it issues by default.
        const expiresAt = minted.expiresAt ?? new Date(Date.now() + 3600_000);
        return { value: { token: minted.value, expiresAt }, expiresAt };
      });
    },
    get mints() {
      return cache.mints;
    },
    close() {
      cache.invalidate();
    },
  };
}
