import { gcpTokenScopes } from '../backends/gcp-token/mints.js';
import { type GcpTokenSettings, gcpTokenImpersonationUrl } from '../backends/gcp-token/settings.js';
import type { MintRequest } from '../contract/backend.js';
import { describeTokenSource } from '../login/token-source.js';

/** @internal What the manifest says of a `gcp-token:` entry: what is minted, by whom, for what, how long, its end. */
export function gcpTokenMinted(
  serviceAccount: string,
  request: MintRequest | undefined,
  settings: GcpTokenSettings | undefined
): { what: string; identity: string; lifetime: string; scope: string; ends: string } {
  return {
    what: `a Google access token of ${serviceAccount} (STS token exchange, then ${new URL(gcpTokenImpersonationUrl(settings, serviceAccount)).host} impersonation)`,
    identity:
      settings === undefined
        ? "none: define backends['gcp-token']"
        : `${describeTokenSource(settings.token)} via ${settings.audience}`,
    lifetime: "1 h (IAM Credentials' default), re-minted 10 min before expiry, before the library's 5-minute refresh",
    scope: `scopes ${gcpTokenScopes(request ?? {}).join(' ')}`,
    ends: 'expires (access tokens cannot be revoked); the test metadata endpoint closes when the test ends',
  };
}
