import { constants, createHash, type KeyObject, privateDecrypt } from 'node:crypto';
import type { Identity, Stanza } from 'age-encryption';
import { chachaOpen, hkdf32, x25519, x25519Base, x25519PrivateKey } from './curve.js';
import { AgeProblem } from './problem.js';
import { sshTag } from './ssh-key.js';

// Labels from age's agessh package (age-encryption.org/v1 spec, "ssh-ed25519" and "ssh-rsa" recipient types).
const ED25519_LABEL = 'age-encryption.org/v1/ssh-ed25519';
const RSA_LABEL = 'age-encryption.org/v1/ssh-rsa';
const ZERO_NONCE = new Uint8Array(12);

/**
 * @internal An `ssh-ed25519` identity (age's agessh scheme): the X25519 secret is the first half of SHA-512 of the
 * Ed25519 seed, and the shared secret is tweaked by a scalar derived from the SSH public key.
 */
export class SshEd25519Identity implements Identity {
  readonly tag: string;
  readonly #secret: KeyObject;
  readonly #ourPublic: Uint8Array;
  readonly #tweak: Uint8Array;

  constructor(publicWire: Uint8Array, seed: Uint8Array) {
    this.tag = sshTag(publicWire);
    const scalar = new Uint8Array(createHash('sha512').update(seed).digest().subarray(0, 32));
    this.#secret = x25519PrivateKey(scalar);
    this.#ourPublic = x25519Base(scalar);
    scalar.fill(0);
    // Go passes the SSH public key as the HKDF *salt* here, with an empty key.
    this.#tweak = hkdf32(new Uint8Array(0), publicWire, ED25519_LABEL);
  }

  unwrapFileKey(stanzas: Stanza[]): Uint8Array | null {
    for (const stanza of stanzas) {
      if (stanza.args[0] !== 'ssh-ed25519' || stanza.args[1] !== this.tag) {
        continue;
      }
      const share = stanza.args.length === 3 ? decodeShare(stanza.args[2] ?? '') : null;
      if (share === null || stanza.body.length !== 32) {
        throw new AgeProblem('UNSUPPORTED', `the ssh-ed25519 stanza with tag ${this.tag} is malformed`);
      }
      let shared: Uint8Array;
      try {
        shared = x25519(this.#tweak, x25519(this.#secret, share));
      } catch {
        throw new AgeProblem('INTEGRITY', `the ssh-ed25519 stanza with tag ${this.tag} has an invalid ephemeral key`);
      }
      const salt = new Uint8Array([...share, ...this.#ourPublic]);
      const wrapKey = hkdf32(shared, salt, ED25519_LABEL);
      shared.fill(0);
      const fileKey = chachaOpen(wrapKey, ZERO_NONCE, stanza.body);
      wrapKey.fill(0);
      if (fileKey === null) {
        // The tag matched, so this is our key: a failure means a modified header, as age itself reports it.
        throw new AgeProblem(
          'INTEGRITY',
          `the ssh-ed25519 stanza with tag ${this.tag} matches the key but does not decrypt: the header was modified`
        );
      }
      return fileKey;
    }
    return null;
  }
}

/** @internal An `ssh-rsa` identity: the file key is RSA-OAEP-SHA-256 encrypted with age's label. */
export class SshRsaIdentity implements Identity {
  readonly tag: string;
  readonly #key: KeyObject;

  constructor(publicWire: Uint8Array, key: KeyObject) {
    this.tag = sshTag(publicWire);
    this.#key = key;
  }

  unwrapFileKey(stanzas: Stanza[]): Uint8Array | null {
    for (const stanza of stanzas) {
      if (stanza.args[0] !== 'ssh-rsa' || stanza.args[1] !== this.tag) {
        continue;
      }
      if (stanza.args.length !== 2) {
        throw new AgeProblem('UNSUPPORTED', `the ssh-rsa stanza with tag ${this.tag} is malformed`);
      }
      let fileKey: Uint8Array;
      try {
        fileKey = new Uint8Array(
          privateDecrypt(
            {
              key: this.#key,
              padding: constants.RSA_PKCS1_OAEP_PADDING,
              oaepHash: 'sha256',
              oaepLabel: Buffer.from(RSA_LABEL),
            },
            stanza.body
          )
        );
      } catch {
        throw new AgeProblem(
          'INTEGRITY',
          `the ssh-rsa stanza with tag ${this.tag} matches the key but does not decrypt: the header was modified`
        );
      }
      if (fileKey.length !== 16) {
        throw new AgeProblem('INTEGRITY', `the ssh-rsa stanza with tag ${this.tag} holds a file key of the wrong size`);
      }
      return fileKey;
    }
    return null;
  }
}

/**
 * @internal A passphrase-protected SSH key. Its public half is known, so it can tell whether a file was meant for
 * it; it never unwraps (decryptAge reports the match with a clear UNSUPPORTED error instead).
 */
export class LockedSshIdentity implements Identity {
  readonly tag: string;
  readonly keyType: 'ssh-ed25519' | 'ssh-rsa';

  constructor(keyType: 'ssh-ed25519' | 'ssh-rsa', publicWire: Uint8Array) {
    this.keyType = keyType;
    this.tag = sshTag(publicWire);
  }

  matches(stanzas: readonly Stanza[]): boolean {
    return stanzas.some((s) => s.args[0] === this.keyType && s.args[1] === this.tag);
  }

  unwrapFileKey(): null {
    return null;
  }
}

function decodeShare(arg: string): Uint8Array | null {
  const share = Buffer.from(arg, 'base64');
  return share.length === 32 && share.toString('base64').replace(/=+$/, '') === arg ? new Uint8Array(share) : null;
}
