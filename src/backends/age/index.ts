import { decryptAge, type FindIdentitiesOptions, findAgenixIdentities } from '../../codecs/age/index.js';
import type { Backend, SecretDocument } from '../../contract/backend.js';
import { BrokerError } from '../../errors.js';
import { formatRef } from '../../ref/index.js';
import { SecretValue } from '../../scrub/secret-value.js';
import { identitySearches } from '../identity-searches.js';
import { readSecretFile, refPath } from '../secret-file.js';
import type { AgeSettings } from './settings.js';

const DEFAULT_MAX_BYTES = 1024 * 1024;

/** @internal Seams for tests: where the host keys are. */
export interface AgeBackendInternals {
  readonly hostKeys?: FindIdentitiesOptions['hostKeys'];
}

/**
 * @public `age:path/to/file.age` — an age or agenix file (binary or armored), path relative to the config.
 * Identities: `settings.identities`, then agenix's places ({@link findAgenixIdentities}), read from the fetch
 * context's environment. Passphrase files open with the variable named by `settings.passphraseEnv`.
 * A plaintext that is a JSON object or array also gets a lazily parsed `tree` for `#key` selection.
 */
export function createAgeBackend(settings: AgeSettings = {}, internals: AgeBackendInternals = {}): Backend<'age'> {
  const maxBytes = settings.maxBytes ?? DEFAULT_MAX_BYTES;
  // Agenix's places depend on HOME only.
  const identities = identitySearches(['HOME'], settings.identities, (env, extra) =>
    findAgenixIdentities(env, extra, internals.hostKeys === undefined ? {} : { hostKeys: internals.hostKeys })
  );

  return {
    scheme: 'age',
    async fetch(ref, ctx): Promise<SecretDocument> {
      const display = formatRef(ref);
      const meta = { backend: 'age', operation: 'read', ref: display } as const;
      const data = await readSecretFile(refPath(ref.path, ctx.baseDir), maxBytes, meta, ctx.signal);
      const search = identities.find(ctx.env, ctx.baseDir);
      const passphraseEnv = settings.passphraseEnv;
      const passphrase = passphraseEnv === undefined ? undefined : ctx.env[passphraseEnv];
      ctx.signal.throwIfAborted();
      const plaintext = await decryptAge(data, search.found, {
        what: display,
        looked: search.looked,
        ...(passphrase === undefined || passphrase === '' ? {} : { passphrase }),
        ...(passphraseEnv === undefined
          ? {}
          : {
              passphraseSource: `$${passphraseEnv}`,
              passphraseHint: `Set the environment variable ${passphraseEnv} (named by backends.age.passphraseEnv)`,
            }),
      });
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
      } catch {
        throw new BrokerError('UNSUPPORTED', `the plaintext (${plaintext.length} bytes) is not UTF-8 text`, {
          ...meta,
          operation: 'decode',
          hint: 'Binary secrets are not supported: store them base64-encoded',
        });
      } finally {
        plaintext.fill(0);
      }
      const value = new SecretValue(text, display);
      return /^\s*[{[]/.test(text) ? { text: value, tree: lazyJson(text, display) } : { text: value };
    },
  };
}

// Parsed on first use, once; a parse error names the position only, since JSON.parse messages quote the input.
function lazyJson(text: string, display: string): () => unknown {
  let parsed: { readonly value: unknown } | undefined;
  return () => {
    if (parsed === undefined) {
      try {
        parsed = { value: JSON.parse(text) };
      } catch {
        throw new BrokerError('UNSUPPORTED', 'the plaintext starts like JSON but is not valid JSON', {
          backend: 'age',
          operation: 'parse',
          ref: display,
          hint: 'Select no #key to read the whole plaintext, or fix the JSON in the encrypted file',
        });
      }
    }
    return parsed.value;
  };
}
