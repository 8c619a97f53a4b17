import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';

/** @internal An SSH private key, reduced to what age needs. */
export type SshPrivateKey =
  | { readonly kind: 'ssh-ed25519'; readonly publicWire: Uint8Array; readonly seed: Uint8Array }
  | { readonly kind: 'ssh-rsa'; readonly publicWire: Uint8Array; readonly key: KeyObject }
  /** Passphrase-protected: only the public half (stored in clear in `openssh-key-v1`) is known. */
  | { readonly kind: 'locked'; readonly keyType: string; readonly publicWire: Uint8Array };

const OPENSSH_BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const OPENSSH_END = '-----END OPENSSH PRIVATE KEY-----';
const AUTH_MAGIC = 'openssh-key-v1\0';

/** @internal True when the text holds a private key in one of the PEM forms SSH uses. */
export function looksLikeSshPrivateKey(text: string): boolean {
  return /-----BEGIN (OPENSSH |RSA |ENCRYPTED )?PRIVATE KEY-----/.test(text);
}

/**
 * @internal Parse an OpenSSH (`openssh-key-v1`), PKCS#1 or PKCS#8 private key. Throws `Error` with a reason that
 * names the shape of the problem, never key bytes.
 */
/** @internal A key file's shape is wrong. Its messages are our own fixed sentences, safe to quote. */
export class SshKeyFormatError extends Error {
  override readonly name = 'SshKeyFormatError';
}

export function parseSshPrivateKey(text: string): SshPrivateKey {
  const begin = text.indexOf(OPENSSH_BEGIN);
  if (begin >= 0) {
    const end = text.indexOf(OPENSSH_END, begin);
    if (end < 0) {
      throw new SshKeyFormatError('the OpenSSH key has no END line (truncated?)');
    }
    const body = text.slice(begin + OPENSSH_BEGIN.length, end).replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) {
      throw new SshKeyFormatError('the OpenSSH key body is not base64');
    }
    return parseOpenSsh(new Uint8Array(Buffer.from(body, 'base64')));
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw new SshKeyFormatError('the PEM key is passphrase-protected, which is not supported');
  }
  return fromKeyObject(createPemKey(text));
}

function createPemKey(text: string): KeyObject {
  try {
    return createPrivateKey(text);
  } catch {
    throw new SshKeyFormatError('the PEM private key could not be parsed');
  }
}

function fromKeyObject(key: KeyObject): SshPrivateKey {
  const jwk = key.export({ format: 'jwk' });
  if (key.asymmetricKeyType === 'rsa' && jwk.n !== undefined && jwk.e !== undefined) {
    const publicWire = wire([str('ssh-rsa'), mpint(b64url(jwk.e)), mpint(b64url(jwk.n))]);
    return { kind: 'ssh-rsa', publicWire, key };
  }
  if (key.asymmetricKeyType === 'ed25519' && jwk.d !== undefined && jwk.x !== undefined) {
    const publicWire = wire([str('ssh-ed25519'), bytes(b64url(jwk.x))]);
    return { kind: 'ssh-ed25519', publicWire, seed: b64url(jwk.d) };
  }
  throw new SshKeyFormatError(
    `${key.asymmetricKeyType ?? 'this'} keys cannot be age identities (only ssh-ed25519 and ssh-rsa)`
  );
}

function parseOpenSsh(blob: Uint8Array): SshPrivateKey {
  if (Buffer.from(blob.subarray(0, AUTH_MAGIC.length)).toString('latin1') !== AUTH_MAGIC) {
    throw new SshKeyFormatError('not an openssh-key-v1 key');
  }
  const outer = new WireReader(blob.subarray(AUTH_MAGIC.length));
  const cipher = outer.text();
  const kdf = outer.text();
  outer.bytes(); // kdf options
  if (outer.uint32() !== 1) {
    throw new SshKeyFormatError('the OpenSSH file holds more than one key');
  }
  const publicWire = outer.bytes();
  const keyType = new WireReader(publicWire).text();
  const secret = outer.bytes();
  if (cipher !== 'none' || kdf !== 'none') {
    return { kind: 'locked', keyType, publicWire };
  }
  const inner = new WireReader(secret);
  const check = inner.uint32();
  if (check !== inner.uint32()) {
    throw new SshKeyFormatError('the OpenSSH key is corrupt (check values differ)');
  }
  const innerType = inner.text();
  if (innerType !== keyType) {
    throw new SshKeyFormatError('the OpenSSH key is corrupt (public and private key types differ)');
  }
  if (keyType === 'ssh-ed25519') {
    const pub = inner.bytes();
    const priv = inner.bytes();
    if (pub.length !== 32 || priv.length !== 64 || !sameBytes(priv.subarray(32), pub)) {
      throw new SshKeyFormatError('the OpenSSH ed25519 key is corrupt');
    }
    return { kind: 'ssh-ed25519', publicWire, seed: priv.slice(0, 32) };
  }
  if (keyType === 'ssh-rsa') {
    const [n, e, d, qi, p, q] = [
      inner.bytes(),
      inner.bytes(),
      inner.bytes(),
      inner.bytes(),
      inner.bytes(),
      inner.bytes(),
    ];
    const bp = toBigInt(p);
    const bq = toBigInt(q);
    const bd = toBigInt(d);
    const jwk = {
      kty: 'RSA',
      n: b64urlOf(n),
      e: b64urlOf(e),
      d: b64urlOf(d),
      p: b64urlOf(p),
      q: b64urlOf(q),
      dp: b64urlOf(fromBigInt(bd % (bp - 1n))),
      dq: b64urlOf(fromBigInt(bd % (bq - 1n))),
      qi: b64urlOf(qi),
    };
    try {
      return { kind: 'ssh-rsa', publicWire, key: createPrivateKey({ key: jwk, format: 'jwk' }) };
    } catch {
      throw new SshKeyFormatError('the OpenSSH RSA key is corrupt');
    }
  }
  throw new SshKeyFormatError(`${keyType} keys cannot be age identities (only ssh-ed25519 and ssh-rsa)`);
}

/** @internal The age stanza tag of an SSH public key: the first 4 bytes of SHA-256 of its wire form, base64. */
export function sshTag(publicWire: Uint8Array): string {
  return createHash('sha256').update(publicWire).digest().subarray(0, 4).toString('base64').replace(/=+$/, '');
}

/** @internal `ssh-ed25519 SHA256:… (tag …)`: what `ssh-keygen -l` shows, plus the tag age files carry. */
export function describeSshKey(publicWire: Uint8Array): string {
  const type = new WireReader(publicWire).text();
  const fingerprint = createHash('sha256').update(publicWire).digest('base64').replace(/=+$/, '');
  return `${type} SHA256:${fingerprint} (tag ${sshTag(publicWire)})`;
}

/** SSH wire format reader (RFC 4251 §5): uint32 lengths, big-endian. */
class WireReader {
  #buf: Uint8Array;
  #pos = 0;

  constructor(buf: Uint8Array) {
    this.#buf = buf;
  }

  uint32(): number {
    if (this.#pos + 4 > this.#buf.length) {
      throw new SshKeyFormatError('the key is truncated');
    }
    const view = new DataView(this.#buf.buffer, this.#buf.byteOffset + this.#pos, 4);
    this.#pos += 4;
    return view.getUint32(0);
  }

  bytes(): Uint8Array {
    const length = this.uint32();
    if (this.#pos + length > this.#buf.length) {
      throw new SshKeyFormatError('the key is truncated');
    }
    const out = this.#buf.subarray(this.#pos, this.#pos + length);
    this.#pos += length;
    return out;
  }

  text(): string {
    const raw = this.bytes();
    if (raw.length > 64 || !raw.every((b) => b >= 0x21 && b <= 0x7e)) {
      throw new SshKeyFormatError('the key has a malformed type name');
    }
    return Buffer.from(raw).toString('latin1');
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function toBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`);
}

function fromBigInt(n: bigint): Uint8Array {
  const hex = n.toString(16);
  return new Uint8Array(Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex'));
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) {
    i++;
  }
  return b.subarray(i);
}

function b64urlOf(b: Uint8Array): string {
  return Buffer.from(stripZeros(b)).toString('base64url');
}

function b64url(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

function bytes(b: Uint8Array): Uint8Array {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function str(s: string): Uint8Array {
  return bytes(Buffer.from(s, 'latin1'));
}

// An SSH mpint is two's complement: a positive number whose top bit is set gets a leading zero byte.
function mpint(b: Uint8Array): Uint8Array {
  const trimmed = stripZeros(b);
  return bytes((trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function wire(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
