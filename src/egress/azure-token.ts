/**
 * How the manifest shows `azure-token:` credentials: minted at the identity's Entra host, sent to Azure's service
 * endpoints (the scope's resource when the entry names one), delivered by a managed-identity endpoint by default.
 */
import { azureTokenIdentity } from '../backends/azure-token/mints.js';
import type { AzureTokenSettings } from '../backends/azure-token/settings.js';
import type { Endpoint, MintRequest } from '../contract/backend.js';
import { describeTokenSource } from '../login/token-source.js';
import type { AzureTokenRef } from '../ref/types.js';
import { urlEndpoint } from '../sdk/url-endpoint.js';

type Env = Readonly<Record<string, string | undefined>>;

/** @internal Entra's token URL for the identity (the ref's application in the configured tenant). */
export function azureTokenUrl(settings: AzureTokenSettings, clientId: string, env: Env): string {
  const identity = azureTokenIdentity(settings, clientId, env);
  return `${identity.authorityHost.replace(/\/+$/, '')}/${identity.tenantId}/oauth2/v2.0/token`;
}

/** @internal Where the token is minted; without settings, the public Entra host (the grant will fail with a hint). */
export function azureTokenEndpoint(ref: AzureTokenRef, settings: AzureTokenSettings | undefined, env: Env): Endpoint {
  if (settings === undefined) {
    return urlEndpoint('https://login.microsoftonline.com', false);
  }
  return urlEndpoint(azureTokenUrl(settings, ref.clientId, env), settings.authorityHost !== undefined);
}

/** @internal The resource a scope names (`https://vault.azure.net/.default` → `https://vault.azure.net`). */
export function resourceOfScope(scope: string): string {
  return scope.replace(/\/\.default$/, '');
}

/** @internal Where a minted token is sent unless the entry declares a destination. */
export function azureTokenDestination(mint: MintRequest | undefined): string {
  return mint?.scope === undefined ? 'https://*.azure.net' : resourceOfScope(mint.scope);
}

/** @internal The manifest's `minted` row. */
export function azureTokenMinted(
  ref: AzureTokenRef,
  mint: MintRequest | undefined,
  settings: AzureTokenSettings | undefined
): { what: string; identity: string; lifetime: string; scope: string; ends: string } {
  return {
    what: `an Entra access token of application ${ref.clientId} (federated client assertion)`,
    identity:
      settings === undefined
        ? "none: define backends['azure-token']"
        : `${describeTokenSource(settings.token)}, tenant ${settings.tenantId}`,
    lifetime: "Entra's token lifetime, re-minted before the SDK's 2-minute refresh window",
    scope: mint?.scope ?? 'any resource the test asks the endpoint for',
    ends: 'expires (Entra tokens cannot be revoked); the endpoint refuses once the test ends',
  };
}
