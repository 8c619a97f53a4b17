/**
 * `azure-token:` through the resolver, for callers outside a test (`credential-broker run`, `check`): one mint, the
 * access token as a JSON document (`#access_token`, `#expires_on` in epoch seconds, `#token_type`). It is for the
 * scope `https://management.azure.com/.default` unless the ref's entry names another. Tests get theirs per test from
 * the session's minted credentials instead (src/host/minted), refreshed as they age.
 */
import type { Backend, SecretDocument } from '../../contract/backend.js';
import { SecretValue } from '../../scrub/secret-value.js';
import { type AzureTokenMints, createAzureTokenMints } from './mints.js';
import type { AzureTokenSettings } from './settings.js';

/** @public The scope a mint outside a test asks for: Azure Resource Manager, the control plane's default. */
export const AZURE_DEFAULT_SCOPE = 'https://management.azure.com/.default';

/** @public */
export function createAzureTokenBackend(settings: AzureTokenSettings | Record<string, never>): Backend<'azure-token'> {
  const hasIdentity = 'tenantId' in settings;
  let mints: AzureTokenMints | undefined;
  return {
    scheme: 'azure-token',
    async fetch(ref, ctx): Promise<SecretDocument> {
      mints ??= createAzureTokenMints(hasIdentity ? (settings as AzureTokenSettings) : undefined, ctx.env);
      const minted = await mints.token(ref, AZURE_DEFAULT_SCOPE, ctx);
      const tree = {
        access_token: minted.token,
        expires_on: String(Math.floor(minted.expiresAt.getTime() / 1000)),
        token_type: 'Bearer',
      };
      return {
        text: new SecretValue(JSON.stringify(tree), 'azure-token minted access token'),
        tree: () => tree,
        expiresAt: minted.expiresAt,
      };
    },
    async close() {
      mints?.close();
    },
  };
}
