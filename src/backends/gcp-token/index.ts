/**
 * `gcp-token:` through the resolver, for callers outside a test (`credential-broker run`, `check`): one mint, the
 * access token as a JSON document (`#access_token`, `#expiry`, `#token_type`). Tests get theirs per test from the
 * session's minted credentials instead (src/host/minted), through a metadata endpoint the library refreshes from.
 */
import type { Backend, SecretDocument } from '../../contract/backend.js';
import { SecretValue } from '../../scrub/secret-value.js';
import { createGcpTokenMints } from './mints.js';
import type { GcpTokenSettings } from './settings.js';

/** @public */
export function createGcpTokenBackend(settings: GcpTokenSettings | Record<string, never>): Backend<'gcp-token'> {
  const hasIdentity = 'token' in settings;
  const mints = createGcpTokenMints(hasIdentity ? (settings as GcpTokenSettings) : undefined);
  return {
    scheme: 'gcp-token',
    async fetch(ref, ctx): Promise<SecretDocument> {
      const minted = await mints.token(ref, {}, ctx);
      const tree = {
        access_token: minted.token.reveal(),
        token_type: 'Bearer',
        expiry: minted.expiresAt.toISOString(),
      };
      return {
        text: new SecretValue(JSON.stringify(tree), 'gcp-token access token'),
        tree: () => tree,
        expiresAt: minted.expiresAt,
      };
    },
    async close() {
      mints.close();
    },
  };
}
