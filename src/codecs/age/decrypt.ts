import { Decrypter, type Stanza } from 'age-encryption';
import { describeStanzas, parseHeader, SUPPORTED_STANZA_TYPES, toBinary } from './header.js';
import type { AgeIdentity } from './identity.js';
import { decryptPayload } from './payload.js';
import { AgeProblem, type ProblemContext, toBrokerError } from './problem.js';
import { LockedSshIdentity } from './ssh-identity.js';

/** @public Options of {@link decryptAge}. */
export interface DecryptAgeOptions {
  /** Passphrase for passphrase-encrypted (`age -p`, scrypt) files. Ignored for other files. */
  readonly passphrase?: string;
  /** Where the passphrase came from, for messages, e.g. `$AGE_PASSPHRASE`. @default 'the configuration' */
  readonly passphraseSource?: string;
  /** Replaces the default hint when a passphrase file meets no passphrase. */
  readonly passphraseHint?: string;
  /** What is decrypted, shown quoted in the message head: a file path, or e.g. `sops data key`. */
  readonly what?: string;
  /** Every place searched for identities ({@link IdentitySearch.looked}), listed when none was found. */
  readonly looked?: readonly string[];
  /** Names the component at the head of messages. @default 'age' */
  readonly backend?: string;
  /** Replaces the default hint of the "no identity found" and "no identity matched" errors. */
  readonly hint?: string;
}

/** Identities tried before any passphrase; typage reports both with exactly these messages (pinned by a test). */
const TYPAGE_NO_MATCH = "no identity matched any of the file's recipients";
const TYPAGE_BAD_MAC = 'invalid header HMAC';
/** age-encryption refuses scrypt work factors above 2^20 (1 GiB of memory). */
const MAX_SCRYPT_LOG_N = 20;

/**
 * @public Decrypt an age file (binary or ASCII-armored, detected) with the first identity that matches one of its
 * recipient stanzas: X25519, post-quantum hybrid, ssh-ed25519, ssh-rsa, or scrypt with `options.passphrase`.
 *
 * @returns The plaintext. The caller owns it and should wrap it in a `SecretValue` at once.
 * @throws BrokerError — `NO_IDENTITY` (no identities given, listing `options.looked`; or a passphrase file without a
 * passphrase), `DECRYPT_FAILED` (no identity matched: the file's recipients vs the identities tried, as public keys;
 * or a wrong passphrase), `UNSUPPORTED` (not age, bad version or header, only recipient types we cannot open, a
 * passphrase-protected SSH key), `INTEGRITY` (header MAC or payload authentication failed, truncated file).
 */
export async function decryptAge(
  input: Uint8Array | string,
  identities: readonly AgeIdentity[],
  options: DecryptAgeOptions = {}
): Promise<Uint8Array> {
  const context: ProblemContext = { backend: options.backend ?? 'age', operation: 'decrypt', ref: options.what };
  try {
    const header = parseHeader(toBinary(input));
    const decrypter = prepare(header.stanzas, identities, options);
    const fileKey = await unwrap(decrypter, header.bytes, header.stanzas, identities, options);
    try {
      return decryptPayload(fileKey, header.payload);
    } finally {
      fileKey.fill(0);
    }
  } catch (error) {
    throw error instanceof AgeProblem ? toBrokerError(error, context) : error;
  }
}

/**
 * @public What the header of an age file reveals about its recipients, without decrypting:
 * e.g. `['ssh-ed25519 tag Ab12Cd', 'X25519', 'scrypt (passphrase)']`. Grease stanzas are left out.
 * @param what - Shown quoted in error messages (a path). @throws BrokerError as {@link decryptAge} for bad input.
 */
export function recipientsOf(input: Uint8Array | string, what?: string): string[] {
  try {
    return describeStanzas(parseHeader(toBinary(input)).stanzas);
  } catch (error) {
    throw error instanceof AgeProblem
      ? toBrokerError(error, { backend: 'age', operation: 'read header', ref: what })
      : error;
  }
}

function prepare(
  stanzas: readonly Stanza[],
  identities: readonly AgeIdentity[],
  options: DecryptAgeOptions
): Decrypter {
  const decrypter = new Decrypter();
  const scrypt = stanzas.find((s) => s.args[0] === 'scrypt');
  if (scrypt !== undefined) {
    if (stanzas.length !== 1) {
      throw new AgeProblem('UNSUPPORTED', 'malformed age header: a passphrase (scrypt) stanza must be the only one');
    }
    if (options.passphrase === undefined) {
      throw new AgeProblem(
        'NO_IDENTITY',
        'the age file is passphrase-encrypted (scrypt) and no passphrase was given',
        options.passphraseHint ??
          'Set backends.age.passphraseEnv to the name of an environment variable that holds the passphrase'
      );
    }
    const logN = Number(scrypt.args[2]);
    if (logN > MAX_SCRYPT_LOG_N) {
      throw new AgeProblem(
        'UNSUPPORTED',
        `the passphrase work factor 2^${logN} is above the supported 2^${MAX_SCRYPT_LOG_N}`,
        'Re-encrypt the file with the default work factor of age -p'
      );
    }
    decrypter.addPassphrase(options.passphrase);
    return decrypter;
  }
  const visible = stanzas.filter((s) => !s.args[0]?.endsWith('-grease'));
  if (visible.every((s) => !SUPPORTED_STANZA_TYPES.has(s.args[0] ?? ''))) {
    throw new AgeProblem(
      'UNSUPPORTED',
      `none of the recipients can be opened here (recipients: ${describeStanzas(stanzas).join(', ')}); ` +
        'supported types are X25519, mlkem768x25519, ssh-ed25519, ssh-rsa and scrypt',
      'age plugins are not supported: add an X25519 or SSH recipient to the file'
    );
  }
  if (identities.length === 0) {
    const looked = options.looked ?? [];
    throw new AgeProblem(
      'NO_IDENTITY',
      looked.length === 0 ? 'no age identity was given' : `no age identity found (looked in: ${looked.join('; ')})`,
      options.hint ?? 'Name an identity file (an age keys.txt or an SSH private key) in backends.age.identities'
    );
  }
  for (const { identity } of identities) {
    decrypter.addIdentity(identity);
  }
  return decrypter;
}

async function unwrap(
  decrypter: Decrypter,
  header: Uint8Array,
  stanzas: readonly Stanza[],
  identities: readonly AgeIdentity[],
  options: DecryptAgeOptions
): Promise<Uint8Array> {
  try {
    return await decrypter.decryptHeader(header);
  } catch (error) {
    if (error instanceof AgeProblem) {
      throw error;
    }
    const message = error instanceof Error ? error.message : '';
    if (message === TYPAGE_BAD_MAC) {
      throw new AgeProblem('INTEGRITY', 'the header MAC does not verify: the header was modified after encryption');
    }
    if (message !== TYPAGE_NO_MATCH) {
      throw new AgeProblem('DECRYPT_FAILED', 'age-encryption could not process the header', undefined, error);
    }
    throw noMatch(stanzas, identities, options);
  }
}

function noMatch(
  stanzas: readonly Stanza[],
  identities: readonly AgeIdentity[],
  options: DecryptAgeOptions
): AgeProblem {
  if (stanzas[0]?.args[0] === 'scrypt') {
    return new AgeProblem(
      'DECRYPT_FAILED',
      `wrong passphrase: the file does not open with the passphrase from ${options.passphraseSource ?? 'the configuration'}`
    );
  }
  const locked = identities.find((i) => i.identity instanceof LockedSshIdentity && i.identity.matches(stanzas));
  if (locked !== undefined) {
    return new AgeProblem(
      'UNSUPPORTED',
      `the age file is encrypted to ${locked.origin} (${locked.publicKey}); passphrase-protected SSH keys are not supported`,
      'Add an age X25519 recipient (age-keygen) to the file and name its identity file in backends.age.identities'
    );
  }
  const tried = identities.map((i) => `${i.origin}: ${abbreviate(i.publicKey)}`);
  return new AgeProblem(
    'DECRYPT_FAILED',
    `no identity matched any recipient (recipients: ${describeStanzas(stanzas).join(', ')}; identities tried: ${tried.join('; ')})`,
    options.hint ??
      'Add the private key of one of those recipients to backends.age.identities, or re-encrypt to a key you hold'
  );
}

// Post-quantum recipients are ~1,950 characters; their two ends are enough to compare by eye.
function abbreviate(publicKey: string): string {
  return publicKey.length > 100 ? `${publicKey.slice(0, 16)}…${publicKey.slice(-8)}` : publicKey;
}

/** @internal Exported for tests that pin the age-encryption messages this module depends on. */
export const TYPAGE_MESSAGES = { noMatch: TYPAGE_NO_MATCH, badMac: TYPAGE_BAD_MAC } as const;
