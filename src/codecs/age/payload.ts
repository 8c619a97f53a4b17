import { chachaOpen, hkdf32 } from './curve.js';
import { AgeProblem } from './problem.js';

const NONCE_BYTES = 16;
const CHUNK = 64 * 1024;
const TAG = 16;
const SEALED_CHUNK = CHUNK + TAG;

/**
 * @internal Decrypt an age payload (the bytes after the header) with its file key: a 16-byte nonce, then STREAM
 * chunks of 64 KiB of ChaCha20-Poly1305 whose nonce is an 11-byte big-endian counter and a last-chunk flag.
 * Done here rather than through age-encryption so that truncation and tampering get their own errors.
 */
export function decryptPayload(fileKey: Uint8Array, payload: Uint8Array): Uint8Array {
  if (payload.length < NONCE_BYTES + TAG) {
    throw new AgeProblem(
      'INTEGRITY',
      `the file is truncated: the payload has ${payload.length} bytes, fewer than the ${NONCE_BYTES + TAG} of an empty one`
    );
  }
  const key = hkdf32(fileKey, payload.subarray(0, NONCE_BYTES), 'payload');
  const sealed = payload.subarray(NONCE_BYTES);
  const count = Math.ceil(sealed.length / SEALED_CHUNK);
  const parts: Uint8Array[] = [];
  const nonce = new Uint8Array(12);
  try {
    for (let i = 0; i < count; i++) {
      const chunk = sealed.subarray(i * SEALED_CHUNK, (i + 1) * SEALED_CHUNK);
      const last = i === count - 1;
      new DataView(nonce.buffer).setUint32(7, i);
      nonce[11] = last ? 1 : 0;
      const plain = chunk.length < TAG ? null : chachaOpen(key, nonce, chunk);
      if (plain === null) {
        throw new AgeProblem(
          'INTEGRITY',
          last
            ? `payload chunk ${i + 1} of ${count} does not authenticate: the file was truncated or modified after encryption`
            : `payload chunk ${i + 1} of ${count} does not authenticate: the file was modified after encryption`
        );
      }
      if (last && i > 0 && plain.length === 0) {
        throw new AgeProblem('INTEGRITY', 'the payload ends with an empty chunk, which age never writes');
      }
      parts.push(plain);
    }
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  } finally {
    key.fill(0);
    for (const part of parts) {
      part.fill(0);
    }
  }
}
