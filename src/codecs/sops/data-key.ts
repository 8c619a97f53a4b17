/**
 * Recovering a sops file's data key from its age master keys (`sops.go` `GetDataKeyWithKeyServices`): with one
 * key group any age entry will do; with several, each group yields a Shamir share (`shamir/shamir.go`) and
 * `shamir_threshold` of them rebuild the key.
 */

import { isBrokerError } from '../../errors.js';
import { type AgeIdentity, decryptAge } from '../age/index.js';
import type { KeyGroup, SopsMetadata } from './metadata.js';
import { SopsProblem } from './problem.js';

const DATA_KEY_BYTES = 32;
const MAX_LISTED = 8;

/** @internal Where to look for age identities, and how to name the file in age's own messages. */
export interface UnwrapOptions {
  readonly identities: readonly AgeIdentity[];
  readonly looked: readonly string[];
  /** The ref, shown in messages. */
  readonly what?: string;
}

const IDENTITY_HINT = 'Set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, or list an age identity file in backends.sops.identities';

function list(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown} and ${items.length - MAX_LISTED} more` : shown;
}

function describeOthers(groups: readonly KeyGroup[]): string[] {
  const counts = new Map<string, number>();
  for (const group of groups) {
    for (const [source, n] of group.others) {
      counts.set(source, (counts.get(source) ?? 0) + n);
    }
  }
  return [...counts].map(([source, n]) => `${source} (${n} ${n === 1 ? 'key' : 'keys'})`);
}

/**
 * @internal The 32-byte data key.
 * @throws SopsProblem UNSUPPORTED when the file has no age master key; BrokerError/SopsProblem NO_IDENTITY when no
 * identity is found or none matches; age's own errors when an age entry is damaged.
 */
export async function unwrapDataKey(metadata: SopsMetadata, options: UnwrapOptions): Promise<Uint8Array> {
  const groups = metadata.keyGroups;
  if (groups.every((g) => g.age.length === 0)) {
    throw new SopsProblem(
      'UNSUPPORTED',
      'decrypt',
      `the data key is encrypted only to ${list(describeOthers(groups))}; this reader opens age master keys only`,
      'Add an age recipient to the file (sops updatekeys or sops --add-age), or test through a data key'
    );
  }
  if (groups.length === 1) {
    return checkLength(await unwrapGroup(groups[0] as KeyGroup, groups, options));
  }
  const threshold = metadata.shamirThreshold || groups.length;
  const parts: Uint8Array[] = [];
  const failures: unknown[] = [];
  for (const group of groups) {
    if (parts.length >= threshold) {
      break;
    }
    try {
      parts.push(await unwrapGroup(group, groups, options));
    } catch (error) {
      failures.push(error);
    }
  }
  if (parts.length < threshold) {
    throw failures[0] ?? new SopsProblem('NO_IDENTITY', 'decrypt', 'too few key groups could be opened');
  }
  return checkLength(combineShares(parts));
}

function checkLength(key: Uint8Array): Uint8Array {
  if (key.length !== DATA_KEY_BYTES) {
    throw new SopsProblem(
      'DECRYPT_FAILED',
      'decrypt',
      `the recovered data key is ${key.length} bytes; sops data keys are ${DATA_KEY_BYTES}`
    );
  }
  return key;
}

async function unwrapGroup(group: KeyGroup, groups: readonly KeyGroup[], options: UnwrapOptions): Promise<Uint8Array> {
  const { identities, looked } = options;
  const ageOptions = {
    backend: 'sops',
    looked,
    hint: IDENTITY_HINT,
    ...(options.what === undefined ? {} : { what: options.what }),
  };
  const first = group.age[0];
  if (first === undefined) {
    throw new SopsProblem(
      'UNSUPPORTED',
      'decrypt',
      `a key group holds only ${list(describeOthers([group]))}; this reader opens age master keys only`
    );
  }
  if (identities.length === 0) {
    // age names every place looked; its message is the one to show.
    return await decryptAge(first.enc, identities, ageOptions);
  }
  const publicKeys = new Set(identities.map((i) => i.publicKey));
  // An identity whose public key is a recipient opens at once; the rest (SSH keys) are tried after.
  const ordered = [...group.age].sort(
    (a, b) => Number(publicKeys.has(b.recipient)) - Number(publicKeys.has(a.recipient))
  );
  let hard: unknown;
  for (const entry of ordered) {
    try {
      return await decryptAge(entry.enc, identities, ageOptions);
    } catch (error) {
      // DECRYPT_FAILED is age's "no identity matched"; anything else means an entry that matched is damaged.
      if (!isBrokerError(error) || (error.code !== 'DECRYPT_FAILED' && error.code !== 'NO_IDENTITY')) {
        hard ??= error;
      }
    }
  }
  if (hard !== undefined) {
    throw hard;
  }
  const others = describeOthers(groups);
  throw new SopsProblem(
    'NO_IDENTITY',
    'decrypt',
    `no age identity matches the file's recipients (recipients: ${list(group.age.map((a) => a.recipient))}; ` +
      `identities tried: ${list(identities.map((i) => `${i.origin}: ${i.publicKey}`))})` +
      (others.length === 0 ? '' : `; its other master keys, ${list(others)}, cannot be used here`),
    'Add the identity of one of those recipients to SOPS_AGE_KEY_FILE or backends.sops.identities'
  );
}

// GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1, as sops's (HashiCorp Vault's) Shamir code uses.
function mult(a: number, b: number): number {
  let product = 0;
  let x = a;
  let y = b;
  while (y > 0) {
    if (y & 1) {
      product ^= x;
    }
    x = x & 0x80 ? ((x << 1) ^ 0x11b) & 0xff : (x << 1) & 0xff;
    y >>= 1;
  }
  return product;
}

function inverse(a: number): number {
  // a^254 = a^-1 in GF(2^8).
  let result = 1;
  for (let i = 0; i < 254; i++) {
    result = mult(result, a);
  }
  return result;
}

/**
 * @internal Rebuild a secret from Shamir shares (`shamir.Combine`): each share is the secret's length plus one
 * byte, the last being its x coordinate.
 * @throws SopsProblem for shares of unequal length or duplicate coordinates.
 */
export function combineShares(parts: readonly Uint8Array[]): Uint8Array {
  const length = parts[0]?.length ?? 0;
  const xs = parts.map((p) => p[length - 1] as number);
  if (parts.length < 2 || length < 2 || parts.some((p) => p.length !== length) || new Set(xs).size !== xs.length) {
    throw new SopsProblem('DECRYPT_FAILED', 'decrypt', 'the key group shares do not combine into a data key');
  }
  // Lagrange basis polynomials at x = 0; they do not depend on the byte position.
  const bases = xs.map((xi, i) =>
    xs.reduce((basis, xj, j) => (i === j ? basis : mult(basis, mult(xj, inverse(xi ^ xj)))), 1)
  );
  const secret = new Uint8Array(length - 1);
  for (let idx = 0; idx < secret.length; idx++) {
    secret[idx] = parts.reduce((acc, part, i) => acc ^ mult(part[idx] as number, bases[i] as number), 0);
  }
  return secret;
}
