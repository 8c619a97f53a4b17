import { open } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { decryptAge, type FindIdentitiesOptions, findAgenixIdentities, type IdentitySearch } from '../../age/index.js';
import type { Backend, SecretDocument } from '../../backend/types.js';
import { BrokerError } from '../../errors.js';
import { formatRef } from '../../ref/index.js';
import { SecretValue } from '../../scrub/secret-value.js';
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
  // One search per HOME per run: every file of a run shares the identities.
  const searches = new Map<string, IdentitySearch>();
  const identitiesFor = (env: Readonly<Record<string, string | undefined>>, baseDir: string): IdentitySearch => {
    const extra = (settings.identities ?? []).map((p) => (isAbsolute(p) ? p : resolve(baseDir, p)));
    const key = JSON.stringify([env['HOME'], extra]);
    let search = searches.get(key);
    if (search === undefined) {
      search = findAgenixIdentities(
        env,
        extra,
        internals.hostKeys === undefined ? {} : { hostKeys: internals.hostKeys }
      );
      searches.set(key, search);
    }
    return search;
  };

  return {
    scheme: 'age',
    async fetch(ref, ctx): Promise<SecretDocument> {
      const display = formatRef(ref);
      const path = isAbsolute(ref.path) ? ref.path : resolve(ctx.baseDir, ref.path);
      const meta = { backend: 'age', operation: 'read', ref: display } as const;
      const data = await readLimited(path, maxBytes, meta, ctx.signal);
      const search = identitiesFor(ctx.env, ctx.baseDir);
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

async function readLimited(
  path: string,
  maxBytes: number,
  meta: { readonly backend: string; readonly operation: string; readonly ref: string },
  signal: AbortSignal
): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw code === 'ENOENT'
      ? new BrokerError('NOT_FOUND', `${path} does not exist`, { ...meta, cause })
      : new BrokerError('DENIED', `${path} cannot be opened (${code ?? 'error'})`, { ...meta, cause });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new BrokerError('UNSUPPORTED', `${path} is not a regular file`, meta);
    }
    if (stat.size > maxBytes) {
      throw new BrokerError('TOO_LARGE', `${path} has ${stat.size} bytes, more than the limit of ${maxBytes}`, {
        ...meta,
        hint: 'Raise backends.age.maxBytes if this file is meant to be that large',
      });
    }
    return new Uint8Array(await handle.readFile({ signal }));
  } finally {
    await handle.close();
  }
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
