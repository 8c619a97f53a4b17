import { MLKEM768X25519 } from '@noble/post-quantum/hybrid.js';
import { bech32 } from '@scure/base';
import { x25519Base } from './curve.js';

const X25519_PREFIX = 'AGE-SECRET-KEY-1';
const HYBRID_PREFIX = 'AGE-SECRET-KEY-PQ-1';

/** @internal A native age secret key (`AGE-SECRET-KEY-…`) and its recipient. */
export interface NativeKey {
  readonly secret: string;
  readonly recipient: string;
}

/** @internal What a word of an identity file is, judged by its prefix only. */
export function nativeKeyKind(word: string): 'x25519' | 'hybrid' | 'plugin' | 'unknown' {
  if (word.startsWith(HYBRID_PREFIX)) {
    return 'hybrid';
  }
  if (word.startsWith(X25519_PREFIX)) {
    return 'x25519';
  }
  return word.startsWith('AGE-PLUGIN-') ? 'plugin' : 'unknown';
}

/**
 * @internal Decode an `AGE-SECRET-KEY-1…` or `AGE-SECRET-KEY-PQ-1…` key and derive its recipient, synchronously
 * (age-encryption's `identityToRecipient` is async). Returns a reason string when the key is malformed; the reason
 * never contains the key.
 */
export function parseNativeKey(word: string): NativeKey | string {
  const hybrid = word.startsWith(HYBRID_PREFIX);
  let bytes: Uint8Array;
  try {
    // No length limit: the bech32 limit of 90 characters does not hold for age keys.
    const decoded = bech32.decode(word as `${string}1${string}`, false);
    if (decoded.prefix.toUpperCase() !== (hybrid ? 'AGE-SECRET-KEY-PQ-' : 'AGE-SECRET-KEY-')) {
      return 'wrong bech32 prefix';
    }
    bytes = bech32.fromWords(decoded.words);
  } catch {
    return 'not valid bech32 (bad checksum or characters)';
  }
  if (bytes.length !== 32) {
    return `decodes to ${bytes.length} bytes instead of 32`;
  }
  try {
    const recipient = hybrid
      ? bech32.encode('age1pq', bech32.toWords(MLKEM768X25519.getPublicKey(bytes)), false)
      : bech32.encode('age', bech32.toWords(x25519Base(bytes)));
    return { secret: word, recipient };
  } finally {
    bytes.fill(0);
  }
}
