/**
 * The document model sops works on (`sops.TreeBranch`): ordered mappings whose items may be comments,
 * sequences that may hold comments, and typed scalars. Order matters: the MAC hashes leaves in document order.
 */
import type { GoFloat, GoInt, GoTime } from './go-values.js';

/** @internal A comment line, stored as sops stores it (the text after `#` or `;`). */
export class Comment {
  constructor(
    readonly value: string,
    readonly inline = false
  ) {}
}

/** @internal A leaf. `Uint8Array` is the `bytes` type; `null` a YAML/JSON null, which sops neither encrypts nor hashes. */
export type Scalar = string | boolean | null | GoInt | GoFloat | GoTime | Uint8Array;

/** @internal Any value in the tree. Arrays are sequences. */
export type TreeValue = Scalar | Branch | TreeValue[] | Comment;

/** @internal One entry of a mapping: a key and its value, or a comment (whose `value` is `null`). */
export interface TreeItem {
  key: string | Comment;
  value: TreeValue;
}

/** @internal An ordered mapping. */
export class Branch {
  constructor(readonly items: TreeItem[] = []) {}

  /** The keys that are not comments, in order. */
  keys(): string[] {
    return this.items.flatMap((item) => (typeof item.key === 'string' ? [item.key] : []));
  }
}

/** @internal Whether a value is a mapping or a sequence. */
export function isComplex(value: TreeValue): value is Branch | TreeValue[] {
  return value instanceof Branch || Array.isArray(value);
}
