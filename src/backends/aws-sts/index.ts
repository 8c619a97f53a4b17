/**
 * `aws-sts:` through the resolver, for callers outside a test (`credential-broker run`, `check`): one mint, the
 * session credentials as a JSON document (`#AccessKeyId`, `#SecretAccessKey`, `#SessionToken`, `#Expiration`).
 * Tests get theirs per test from the session's minted credentials instead (src/host/minted), refreshed as they age.
 */
import type { Backend, SecretDocument } from '../../contract/backend.js';
import { SecretValue } from '../../scrub/secret-value.js';
import { createAwsStsMints } from './mints.js';
import type { AwsStsSettings } from './settings.js';

/** @public */
export function createAwsStsBackend(settings: AwsStsSettings | Record<string, never>): Backend<'aws-sts'> {
  const hasIdentity = 'token' in settings;
  let mints: ReturnType<typeof createAwsStsMints> | undefined;
  return {
    scheme: 'aws-sts',
    async fetch(ref, ctx): Promise<SecretDocument> {
      mints ??= createAwsStsMints(hasIdentity ? (settings as AwsStsSettings) : undefined, ctx.env);
      const creds = await mints.credentials(ref, {}, ctx);
      const tree = {
        AccessKeyId: creds.accessKeyId,
        SecretAccessKey: creds.secretAccessKey.reveal(),
        SessionToken: creds.sessionToken.reveal(),
        Expiration: creds.expiration.toISOString(),
      };
      return {
        text: new SecretValue(JSON.stringify(tree), 'aws-sts minted credentials'),
        tree: () => tree,
        expiresAt: creds.expiration,
      };
    },
    async close() {
      mints?.close();
    },
  };
}
