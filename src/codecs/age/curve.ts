import {
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';

// Fixed DER prefixes: Node imports raw X25519 keys only wrapped as PKCS#8 / SPKI.
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

/** @internal An X25519 private key object from a 32-byte scalar (clamped by OpenSSL, as RFC 7748 wants). */
export function x25519PrivateKey(scalar: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519, scalar]), format: 'der', type: 'pkcs8' });
}

/** @internal `X25519(scalar, basepoint)`: the public key of a scalar. */
export function x25519Base(scalar: Uint8Array): Uint8Array {
  const spki = createPublicKey(x25519PrivateKey(scalar)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_X25519.length));
}

/** @internal `X25519(scalar, point)`. Throws on a low-order point (all-zero output), as age requires. */
export function x25519(scalar: Uint8Array | KeyObject, point: Uint8Array): Uint8Array {
  const privateKey = scalar instanceof Uint8Array ? x25519PrivateKey(scalar) : scalar;
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_X25519, point]), format: 'der', type: 'spki' });
  return new Uint8Array(diffieHellman({ privateKey, publicKey }));
}

/** @internal HKDF-SHA-256 with a 32-byte output, the only length age uses. */
export function hkdf32(ikm: Uint8Array, salt: Uint8Array, info: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, 32));
}

/** @internal ChaCha20-Poly1305 open; `null` when the tag does not verify. */
export function chachaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length < 16) {
    return null;
  }
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  const head = decipher.update(sealed.subarray(0, sealed.length - 16));
  try {
    const tail = decipher.final();
    const out = new Uint8Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    return out;
  } catch {
    return null;
  } finally {
    head.fill(0);
  }
}
