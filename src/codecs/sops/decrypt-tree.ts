/**
 * Decrypting the tree and recomputing its MAC (`sops.go` `Tree.Decrypt`, `shouldBeEncrypted`, `ToBytes`;
 * `cmd/sops/common` `DecryptTree`). The walk mirrors Go's exactly: the additional authenticated data of a
 * value is its mapping keys joined by `:` (list positions are not part of it), and the MAC hashes every
 * non-comment leaf in document order.
 */
import { createHash } from 'node:crypto';
import { decodeTyped, looksEncrypted, openValue, parseEncryptedValue } from './cipher.js';
import { compileGoRegexp } from './go-regexp.js';
import { formatGoFloatF, GoFloat, GoInt, GoTime } from './go-values.js';
import type { CryptRules, SopsMetadata } from './metadata.js';
import { integrityProblem, parseProblem, SopsProblem } from './problem.js';
import { Branch, Comment, type TreeItem, type TreeValue } from './tree.js';

// SHA-256("sops"): the MAC of a mac_only_encrypted file starts from these bytes, so it never equals the other kind.
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');

/** @internal Compiled {@link CryptRules}. */
export interface Rules {
  readonly unencryptedSuffix?: string;
  readonly encryptedSuffix?: string;
  readonly unencryptedRegex?: RegExp;
  readonly encryptedRegex?: RegExp;
  readonly unencryptedCommentRegex?: RegExp;
  readonly encryptedCommentRegex?: RegExp;
}

/** @internal Compile the metadata's rules once per file. */
export function compileRules(rules: CryptRules): Rules {
  const re = (pattern: string | undefined, option: string): RegExp | undefined =>
    pattern === undefined ? undefined : compileGoRegexp(pattern, option);
  const compiled = {
    unencryptedSuffix: rules.unencryptedSuffix,
    encryptedSuffix: rules.encryptedSuffix,
    unencryptedRegex: re(rules.unencryptedRegex, 'unencrypted_regex'),
    encryptedRegex: re(rules.encryptedRegex, 'encrypted_regex'),
    unencryptedCommentRegex: re(rules.unencryptedCommentRegex, 'unencrypted_comment_regex'),
    encryptedCommentRegex: re(rules.encryptedCommentRegex, 'encrypted_comment_regex'),
  };
  return Object.fromEntries(Object.entries(compiled).filter(([, v]) => v !== undefined)) as Rules;
}

/** @internal `Tree.shouldBeEncrypted`: whether the leaf at `path`, after `comments`, is encrypted. */
export function shouldBeEncrypted(
  rules: Rules,
  path: readonly string[],
  comments: readonly (readonly string[])[],
  isComment: boolean
): boolean {
  let encrypted = true;
  if (rules.unencryptedSuffix !== undefined && path.some((p) => p.endsWith(rules.unencryptedSuffix as string))) {
    encrypted = false;
  }
  if (rules.encryptedSuffix !== undefined) {
    encrypted = path.some((p) => p.endsWith(rules.encryptedSuffix as string));
  }
  if (rules.unencryptedRegex !== undefined && path.some((p) => rules.unencryptedRegex?.test(p))) {
    encrypted = false;
  }
  if (rules.encryptedRegex !== undefined) {
    encrypted = path.some((p) => rules.encryptedRegex?.test(p));
  }
  if (
    rules.unencryptedCommentRegex !== undefined &&
    comments.some((cs) => cs.some((c) => rules.unencryptedCommentRegex?.test(c)))
  ) {
    encrypted = false;
  }
  if (rules.encryptedCommentRegex !== undefined) {
    const re = rules.encryptedCommentRegex;
    const lastSet = comments.length - 1;
    const lastLine = (comments[lastSet]?.length ?? 0) - 1;
    // A comment that matches does not encrypt itself, only what follows it.
    encrypted = comments.some((cs, i) =>
      cs.some((c, j) => !(isComment && i === lastSet && j === lastLine) && re.test(c))
    );
  }
  return encrypted;
}

/** @internal `sops.ToBytes`: the bytes the MAC hashes for a leaf. */
export function toMacBytes(value: Exclude<TreeValue, Branch | TreeValue[] | null>): Uint8Array {
  const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
  if (typeof value === 'string') {
    return utf8(value);
  }
  if (typeof value === 'boolean') {
    return utf8(value ? 'True' : 'False');
  }
  if (value instanceof GoInt) {
    return utf8(value.value.toString());
  }
  if (value instanceof GoFloat) {
    return utf8(formatGoFloatF(value.value));
  }
  if (value instanceof GoTime) {
    return utf8(value.text);
  }
  if (value instanceof Comment) {
    return utf8(value.value);
  }
  return value;
}

/** @internal Where a leaf is, as a JSON Pointer for messages (`/db/hosts/0`). */
function pointer(display: readonly string[]): string {
  return display.length === 0 ? '/' : display.map((s) => `/${s.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** @internal Signals a value that failed GCM authentication; {@link decryptTree} decides what it means. */
class ValueAuthFailure extends Error {
  constructor(readonly where: string) {
    super(where);
  }
}

interface WalkState {
  readonly key: Uint8Array;
  readonly rules: Rules;
  readonly hash: ReturnType<typeof createHash>;
  readonly macOnlyEncrypted: boolean;
  /** Every container path in the document: candidates for a comment whose position the parsers disagree on. */
  readonly commentAads: readonly string[];
  decryptedValues: number;
}

/** @internal The decrypted branches and the MAC recomputed over them, as upper-case hex. */
export interface DecryptedTree {
  readonly branches: Branch[];
  readonly mac: string;
}

/**
 * @internal Decrypt every encrypted leaf and comment of `branches` with `key`, and recompute the MAC.
 * @throws SopsProblem: a malformed value, a value that fails authentication (INTEGRITY when the key is right,
 * DECRYPT_FAILED when the key opens nothing), a type that does not parse.
 */
export function decryptTree(branches: readonly Branch[], metadata: SopsMetadata, key: Uint8Array): DecryptedTree {
  const hash = createHash('sha512');
  if (metadata.macOnlyEncrypted) {
    hash.update(MAC_ONLY_ENCRYPTED_INIT);
  }
  const commentAads = [...new Set(branches.flatMap((b) => containerPaths(b, [])))];
  const state: WalkState = {
    key,
    rules: compileRules(metadata.rules),
    hash,
    macOnlyEncrypted: metadata.macOnlyEncrypted,
    commentAads,
    decryptedValues: 0,
  };
  try {
    const decrypted = branches.map((b) => walkBranch(state, b, [], [], []));
    return { branches: decrypted, mac: hash.digest('hex').toUpperCase() };
  } catch (error) {
    if (!(error instanceof ValueAuthFailure)) {
      throw error;
    }
    if (state.decryptedValues > 0 || macOpens(metadata, key)) {
      throw integrityProblem(`${error.where} fails authentication (changed, or moved from another key)`);
    }
    throw new SopsProblem(
      'DECRYPT_FAILED',
      'decrypt',
      'the data key does not decrypt this file: no value authenticates with it',
      'The data key belongs to another file, or its age/PGP entry was replaced'
    );
  }
}

function macOpens(metadata: SopsMetadata, key: Uint8Array): boolean {
  if (!looksEncrypted(metadata.mac)) {
    return false;
  }
  try {
    return openValue(parseEncryptedValue(metadata.mac, 'the MAC'), key, metadata.lastModified.seconds) !== undefined;
  } catch {
    return false;
  }
}

function containerPaths(value: TreeValue, path: string[]): string[] {
  if (value instanceof Branch) {
    return [
      aad(path),
      ...value.items.flatMap((i) => (typeof i.key === 'string' ? containerPaths(i.value, [...path, i.key]) : [])),
    ];
  }
  if (Array.isArray(value)) {
    return value.flatMap((v) => containerPaths(v, path));
  }
  return [];
}

const aad = (path: readonly string[]): string => `${path.join(':')}:`;

function walkBranch(
  state: WalkState,
  branch: Branch,
  path: string[],
  display: string[],
  outerComments: string[][]
): Branch {
  const comments = [...outerComments, [] as string[]];
  const current = comments[comments.length - 1] as string[];
  const items: TreeItem[] = [];
  for (const item of branch.items) {
    if (item.key instanceof Comment) {
      current.push(item.key.value);
      items.push({ key: decryptComment(state, item.key, path, display, comments), value: null });
      continue;
    }
    const valueIsComment = item.value instanceof Comment;
    if (item.value instanceof Comment) {
      current.push(item.value.value);
    }
    const value = walkValue(state, item.value, [...path, item.key], [...display, item.key], comments);
    items.push({ key: item.key, value });
    if (!valueIsComment) {
      current.length = 0;
    }
  }
  return new Branch(items);
}

function walkSlice(
  state: WalkState,
  slice: readonly TreeValue[],
  path: string[],
  display: string[],
  outerComments: string[][]
): TreeValue[] {
  const comments = [...outerComments, [] as string[]];
  const current = comments[comments.length - 1] as string[];
  return slice.map((v, i) => {
    if (v instanceof Comment) {
      current.push(v.value);
    }
    const out = walkValue(state, v, path, [...display, String(i)], comments);
    if (!(v instanceof Comment)) {
      current.length = 0;
    }
    return out;
  });
}

function walkValue(
  state: WalkState,
  value: TreeValue,
  path: string[],
  display: string[],
  comments: string[][]
): TreeValue {
  if (value instanceof Branch) {
    return walkBranch(state, value, path, display, comments);
  }
  if (Array.isArray(value)) {
    return walkSlice(state, value, path, display, comments);
  }
  if (value === null) {
    return null;
  }
  if (value instanceof Comment) {
    return decryptComment(state, value, path, display, comments);
  }
  return decryptLeaf(state, value, path, display, comments);
}

function decryptLeaf(
  state: WalkState,
  value: Exclude<TreeValue, Branch | TreeValue[] | Comment | null>,
  path: string[],
  display: string[],
  comments: string[][]
): TreeValue {
  const encrypted = shouldBeEncrypted(state.rules, path, comments, false);
  const where = `the value at ${JSON.stringify(pointer(display))}`;
  let result: TreeValue = value;
  let macBytes: Uint8Array | undefined;
  if (encrypted) {
    if (typeof value !== 'string') {
      throw parseProblem(`${where} should be encrypted but is a plain ${describe(value)}`, INTEGRITY_HINT);
    }
    if (value !== '') {
      const parsed = parseEncryptedValue(value, where);
      const plaintext = openValue(parsed, state.key, aad(path));
      if (plaintext === undefined) {
        throw new ValueAuthFailure(where);
      }
      state.decryptedValues++;
      result = decodeTyped(plaintext, parsed.type, where);
      if (result instanceof Comment) {
        throw integrityProblem(`${where} is declared a comment`);
      }
      // Go hashes the string it decrypted, byte for byte, even when it is not valid UTF-8.
      macBytes = typeof result === 'string' ? plaintext : undefined;
    }
  }
  if (!state.macOnlyEncrypted || encrypted) {
    state.hash.update(macBytes ?? toMacBytes(result as Exclude<TreeValue, Branch | TreeValue[] | null>));
  }
  return result;
}

function decryptComment(
  state: WalkState,
  comment: Comment,
  path: string[],
  display: string[],
  comments: string[][]
): Comment {
  if (!shouldBeEncrypted(state.rules, path, comments, true) || !looksEncrypted(comment.value)) {
    return comment;
  }
  let parsed: ReturnType<typeof parseEncryptedValue>;
  try {
    parsed = parseEncryptedValue(comment.value, `a comment at ${JSON.stringify(pointer(display))}`);
  } catch {
    // sops keeps a comment it cannot decrypt as it is (files from before comments were encrypted).
    return comment;
  }
  // yaml.v3 and our YAML parser may attach a comment to different nodes; the tag tells which path is right.
  for (const candidate of [aad(path), ...state.commentAads]) {
    const plaintext = openValue(parsed, state.key, candidate);
    if (plaintext !== undefined) {
      return new Comment(Buffer.from(plaintext).toString('utf8'), comment.inline);
    }
  }
  return comment;
}

function describe(value: TreeValue): string {
  if (typeof value === 'boolean') {
    return 'boolean';
  }
  if (value instanceof GoInt || value instanceof GoFloat) {
    return 'number';
  }
  if (value instanceof GoTime) {
    return 'timestamp';
  }
  return 'value';
}

const INTEGRITY_HINT = 'The file is damaged, or was edited without sops';

/**
 * @internal Check the file's MAC against the recomputed one (`DecryptTree`).
 * @throws SopsProblem INTEGRITY when the MAC is missing (unless allowed), does not open, or differs.
 */
export function verifyMac(metadata: SopsMetadata, key: Uint8Array, computed: string, allowNoMac: boolean): void {
  if (metadata.mac === '') {
    if (allowNoMac) {
      return;
    }
    throw new SopsProblem(
      'INTEGRITY',
      'decrypt',
      'the file has no MAC, so modifications after encryption cannot be detected',
      'Re-encrypt it with sops, or set backends.sops.allowNoMac: true to accept it unverified'
    );
  }
  const parsed = parseEncryptedValue(metadata.mac, 'the MAC');
  const plaintext = openValue(parsed, key, metadata.lastModified.seconds);
  if (plaintext === undefined) {
    throw integrityProblem('the MAC does not authenticate (lastmodified or mac was changed)');
  }
  if (parsed.type !== 'str' || Buffer.from(plaintext).toString('utf8') !== computed) {
    throw integrityProblem('MAC mismatch (a value, key or their order was changed)');
  }
}
