import type { Backend, FetchContext, SecretDocument } from '../../contract/backend.js';
import { BrokerError, isBrokerError } from '../../errors.js';
import { formatRef } from '../../ref/index.js';
import type { AzureKvRef } from '../../ref/types.js';
import { SecretValue } from '../../scrub/secret-value.js';
import type { KeyVaultSession, ModuleImporter } from './client.js';
import { azureKvEndpoint } from './endpoint.js';
import { withRef } from './errors.js';
import type { AzureKvSettings } from './settings.js';

/** @public Injection seams of {@link createAzureKvBackend} (tests, unusual setups). */
export interface AzureKvBackendOptions {
  /** Loads `@azure/keyvault-secrets` and `@azure/identity`. @default dynamic `import()` */
  readonly importer?: ModuleImporter;
  /** The clock of the token cache. @default Date.now */
  readonly now?: () => number;
}

/**
 * @public `azure-kv://vault-name/secret-name[#key][?version=…]` through `@azure/keyvault-secrets`, authenticated by
 * federated workload identity (or `DefaultAzureCredential`). The SDK is loaded at the first fetch; one SecretClient
 * per vault URL, one Entra token shared by all of them until it ages.
 */
export function createAzureKvBackend(
  settings: AzureKvSettings = {},
  options: AzureKvBackendOptions = {}
): Backend<'azure-kv'> {
  let session: Promise<KeyVaultSession> | undefined;
  const open = (ctx: FetchContext): Promise<KeyVaultSession> => {
    if (session === undefined) {
      session = import('./client.js').then(async ({ openKeyVault }) => {
        const opened = await openKeyVault({ settings, ctx, ...options });
        ctx.log.debug(`azure-kv: credentials from ${opened.source}`);
        return opened;
      });
      // A failed load is not kept: the next fetch tries again and meets the same clear error.
      session.catch(() => {
        session = undefined;
      });
    }
    return session;
  };

  return {
    scheme: 'azure-kv',
    async fetch(ref, ctx) {
      const display = formatRef(ref);
      let opened: KeyVaultSession;
      try {
        opened = await open(ctx);
      } catch (error) {
        // Errors raised while opening (SDK load, CA file, identity config) name the ref that needed them.
        throw isBrokerError(error) ? withRef(error, display) : error;
      }
      const vaultUrl = vaultUrlOf(ref, settings);
      const secret = await opened.getSecret(vaultUrl, ref.name, ref.version, { ref: display, signal: ctx.signal });
      const properties = secret.properties;
      if (properties.enabled === false) {
        throw new BrokerError('NOT_FOUND', 'the secret (or this version of it) is disabled', {
          backend: 'azure-kv',
          operation: 'read',
          ref: display,
          hint: 'Enable it in the vault, or pin an enabled version with ?version=',
        });
      }
      if (typeof secret.value !== 'string') {
        throw new BrokerError('INTEGRITY', 'Key Vault answered without a value', {
          backend: 'azure-kv',
          operation: 'read',
          ref: display,
        });
      }
      const document: SecretDocument = {
        text: new SecretValue(secret.value, display),
        ...(properties.version === undefined ? {} : { version: properties.version }),
        ...(properties.expiresOn === undefined ? {} : { expiresAt: properties.expiresOn }),
      };
      return document;
    },
    async close() {
      const opened = await session?.catch(() => undefined);
      opened?.close();
      session = undefined;
    },
  };
}

/** The vault URL exactly as the manifest shows it (the same function computes both). */
function vaultUrlOf(ref: AzureKvRef, settings: AzureKvSettings): string {
  return azureKvEndpoint(ref, settings).display;
}
