/**
 * `sops:` — sops files decrypted natively (no sops binary): YAML, JSON, dotenv, INI and binary, AES-256-GCM
 * values, the MAC verified, the data key unwrapped from the file's age master keys.
 */
import { findSopsAgeIdentities } from '../../codecs/age/index.js';
import { type DecryptedSops, decryptSops } from '../../codecs/sops/decrypt.js';
import { formatForPath } from '../../codecs/sops/formats.js';
import type { Backend, SecretDocument } from '../../contract/backend.js';
import { BrokerError } from '../../errors.js';
import { formatRef } from '../../ref/index.js';
import { SecretValue } from '../../scrub/secret-value.js';
import { identitySearches } from '../identity-searches.js';
import { openSecretFile, refPath } from '../secret-file.js';
import type { SopsSettings } from './settings.js';

export type { DecryptedSops, DecryptSopsOptions } from '../../codecs/sops/decrypt.js';
export { decryptSops } from '../../codecs/sops/decrypt.js';
export { formatForPath } from '../../codecs/sops/formats.js';
export type { SopsSettings } from './settings.js';
export { sopsSettingsSchema } from './settings.js';

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
const IDENTITY_ENV = [
  'HOME',
  'XDG_CONFIG_HOME',
  'AppData',
  'APPDATA',
  'SOPS_AGE_KEY',
  'SOPS_AGE_KEY_FILE',
  'SOPS_AGE_KEY_CMD',
  'SOPS_AGE_SSH_PRIVATE_KEY_FILE',
  'SOPS_AGE_SSH_PRIVATE_KEY_CMD',
] as const;

/**
 * @public `sops:path/to/file.enc.yaml[#key][?format=…]`, path relative to the config. The format is the ref's
 * `format`, else the file extension as sops infers it (`.yaml`/`.yml`, `.json`, `.env`, `.ini`, anything else
 * binary). Each file is decrypted once per backend instance — however many keys are read from it — and again
 * only if its size or modification time changes. The document's text is the file as `sops -d` prints it; its
 * tree holds every value as `sops -d --extract` prints it.
 */
export function createSopsBackend(settings: SopsSettings = {}): Backend<'sops'> {
  const maxBytes = settings.maxBytes ?? DEFAULT_MAX_BYTES;
  const documents = new Map<string, Promise<DecryptedSops>>();
  const identities = identitySearches(IDENTITY_ENV, settings.identities, findSopsAgeIdentities);

  return {
    scheme: 'sops',
    async fetch(ref, ctx): Promise<SecretDocument> {
      const display = formatRef(ref);
      const path = refPath(ref.path, ctx.baseDir);
      const format = ref.format ?? formatForPath(path);
      const meta = { backend: 'sops', operation: 'read', ref: display } as const;
      const { handle, stat } = await openSecretFile(path, maxBytes, meta);
      let pending: Promise<DecryptedSops>;
      try {
        const key = JSON.stringify([path, format, stat.size, stat.mtimeMs, stat.ino]);
        const cached = documents.get(key);
        if (cached === undefined) {
          // Stored before any await, so concurrent fetches of one file share a single decryption.
          const opened = handle;
          pending = (async () => {
            const bytes = new Uint8Array(await opened.readFile({ signal: ctx.signal }));
            if (bytes.length > maxBytes) {
              throw new BrokerError(
                'TOO_LARGE',
                `${path} grew past the limit of ${maxBytes} bytes while being read`,
                meta
              );
            }
            const search = identities.find(ctx.env, ctx.baseDir);
            return decryptSops(bytes, {
              format,
              ref: display,
              identities: search.found,
              looked: search.looked,
              allowNoMac: settings.allowNoMac ?? false,
            });
          })();
          documents.set(key, pending);
          // A failure is not remembered: the next fetch reads the file again.
          pending.catch(() => documents.delete(key));
          await pending.catch(() => undefined);
        } else {
          pending = cached;
        }
      } finally {
        await handle.close();
      }
      const document = await pending;
      return { text: new SecretValue(document.text, display), tree: () => document.tree };
    },
    async close(): Promise<void> {
      documents.clear();
      identities.clear();
    },
  };
}
