import { readFileSync } from 'node:fs';
import type { Identity } from 'age-encryption';
import { nativeKeyKind, parseNativeKey } from './native-key.js';
import { AgeProblem, toBrokerError } from './problem.js';
import { LockedSshIdentity, SshEd25519Identity, SshRsaIdentity } from './ssh-identity.js';
import { describeSshKey, looksLikeSshPrivateKey, parseSshPrivateKey, SshKeyFormatError } from './ssh-key.js';

/** @public One private key that can open age files, with what may be shown about it. */
export interface AgeIdentity {
  /** Where it came from, for errors: e.g. `SOPS_AGE_KEY_FILE (/home/u/keys.txt)`, `/home/u/.ssh/id_ed25519`. */
  readonly origin: string;
  /**
   * Public form for "file recipients vs identities tried" errors: `age1…`, `age1pq1…`, or
   * `ssh-ed25519 SHA256:… (tag XXXXXX)` (the `ssh-keygen -l` fingerprint plus the tag age stanzas carry).
   */
  readonly publicKey: string;
  /** The age-encryption `Identity` object (SSH keys) or the `AGE-SECRET-KEY-…` string (native keys) it wraps. */
  readonly identity: Identity | string;
}

/** Identity files larger than this are not key files (a keys.txt with a thousand keys is ~75 KB). */
const MAX_IDENTITY_FILE_BYTES = 1024 * 1024;

/**
 * @public Parse an identity file's text: an age identity file (`AGE-SECRET-KEY-1…` / `AGE-SECRET-KEY-PQ-1…`, one
 * or more per line, `#` comments and blank lines ignored, as `SOPS_AGE_KEY` allows) or an SSH private key
 * (OpenSSH `openssh-key-v1`, PKCS#1 or PKCS#8; ssh-ed25519 or ssh-rsa). A passphrase-protected OpenSSH key yields a
 * locked identity: {@link decryptAge} reports it by name when a file is meant for it, since passphrases are not
 * supported. Text without keys yields `[]`.
 *
 * @param origin - Where the text came from, kept on each identity and used in error messages.
 * @throws BrokerError `UNSUPPORTED` naming the origin and the line (never the line's content).
 */
export function parseIdentityFile(text: string, origin: string): AgeIdentity[] {
  try {
    return parseIdentities(text, origin);
  } catch (error) {
    if (error instanceof AgeProblem) {
      throw toBrokerError(error, { backend: 'age', operation: 'load identity', ref: origin });
    }
    throw error;
  }
}

/**
 * @public Read and parse one identity file ({@link parseIdentityFile}).
 * @param origin - Defaults to the path.
 * @throws BrokerError `NOT_FOUND` when the file does not exist, `DENIED` when it cannot be read, `TOO_LARGE` over
 * 1 MiB, `UNSUPPORTED` when it is not an identity file. Searches that skip missing files are
 * {@link findSopsAgeIdentities} and {@link findAgenixIdentities}.
 */
export function loadIdentityFile(path: string, origin: string = path): AgeIdentity[] {
  const result = readIdentityFile(path, origin);
  if (result instanceof AgeProblem) {
    const reason = result instanceof ReadProblem ? `the file ${result.reason}` : result.reason;
    throw toBrokerError(new AgeProblem(result.code, reason, result.hint), {
      backend: 'age',
      operation: 'load identity',
      ref: origin,
    });
  }
  return result;
}

/**
 * @internal Like {@link loadIdentityFile} but returns the problem, so that searches can note it and go on.
 * Reasons of read failures do not repeat the path: `does not exist`, `cannot be read (EACCES)`.
 */
export function readIdentityFile(path: string, origin: string): AgeIdentity[] | AgeProblem {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? new ReadProblem('NOT_FOUND', 'does not exist')
      : code === 'EISDIR'
        ? new ReadProblem('UNSUPPORTED', 'is a directory')
        : new ReadProblem('DENIED', `cannot be read (${code ?? 'error'})`);
  }
  if (raw.length > MAX_IDENTITY_FILE_BYTES) {
    return new ReadProblem('TOO_LARGE', `has ${raw.length} bytes, too many for an identity file`);
  }
  const text = raw.toString('utf8');
  raw.fill(0);
  return parseIdentityText(text, origin);
}

/** @internal {@link parseIdentityFile} returning the problem instead of throwing it. */
export function parseIdentityText(text: string, origin: string): AgeIdentity[] | AgeProblem {
  try {
    return parseIdentities(text, origin);
  } catch (error) {
    if (error instanceof AgeProblem) {
      return error;
    }
    throw error;
  }
}

/** @internal A file that could not be read at all, as opposed to one that was read and is not an identity file. */
export class ReadProblem extends AgeProblem {}

function parseIdentities(text: string, origin: string): AgeIdentity[] {
  if (looksLikeSshPrivateKey(text)) {
    return [sshIdentity(text, origin)];
  }
  if (/^\s*(-----BEGIN AGE ENCRYPTED FILE-----|age-encryption\.org\/)/.test(text)) {
    throw new AgeProblem(
      'UNSUPPORTED',
      'the identity file is itself age-encrypted, which is not supported',
      'Decrypt it once to a file only you can read (mode 0600) and point at that file'
    );
  }
  const found: AgeIdentity[] = [];
  const lines = text.split('\n');
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    for (const word of line.split(/\s+/)) {
      found.push(nativeIdentity(word, origin, index + 1));
    }
  }
  return found;
}

function nativeIdentity(word: string, origin: string, line: number): AgeIdentity {
  const kind = nativeKeyKind(word);
  if (kind === 'plugin') {
    throw new AgeProblem(
      'UNSUPPORTED',
      `line ${line} is an age plugin identity (AGE-PLUGIN-…); plugins are not supported`,
      'Use an X25519 identity (age-keygen) or an SSH key'
    );
  }
  if (kind === 'unknown') {
    throw new AgeProblem(
      'UNSUPPORTED',
      `line ${line} is not an age identity (expected AGE-SECRET-KEY-1… or AGE-SECRET-KEY-PQ-1…)`
    );
  }
  const key = parseNativeKey(word);
  if (typeof key === 'string') {
    throw new AgeProblem('UNSUPPORTED', `line ${line} is a malformed age identity: ${key}`);
  }
  return { origin, publicKey: key.recipient, identity: key.secret };
}

function sshIdentity(text: string, origin: string): AgeIdentity {
  let key: ReturnType<typeof parseSshPrivateKey>;
  try {
    key = parseSshPrivateKey(text);
  } catch (cause) {
    // Only our parser's own sentences are quoted; anything else (a Node error) is named, never echoed.
    const reason = cause instanceof SshKeyFormatError ? cause.message : `unreadable (${(cause as Error).name})`;
    throw new AgeProblem('UNSUPPORTED', `not a usable SSH private key: ${reason}`);
  }
  const publicKey = describeSshKey(key.publicWire);
  switch (key.kind) {
    case 'ssh-ed25519': {
      const identity = new SshEd25519Identity(key.publicWire, key.seed);
      key.seed.fill(0);
      return { origin, publicKey, identity };
    }
    case 'ssh-rsa':
      return { origin, publicKey, identity: new SshRsaIdentity(key.publicWire, key.key) };
    case 'locked':
      if (key.keyType !== 'ssh-ed25519' && key.keyType !== 'ssh-rsa') {
        throw new AgeProblem(
          'UNSUPPORTED',
          `not a usable SSH private key: ${key.keyType} keys cannot be age identities (only ssh-ed25519 and ssh-rsa)`
        );
      }
      return {
        origin,
        publicKey: `${publicKey}, passphrase-protected`,
        identity: new LockedSshIdentity(key.keyType, key.publicWire),
      };
  }
}
