import { OPENSSH_MAGIC } from './public-head.js';
import { isCommon, isHighEntropy, keyKind } from './secret-like.js';

/** @internal A piece of a value registered on its own (with every encoding of {@link ENCODERS}). */
export interface Part {
  readonly text: string;
  /** Too common to fail a file scan (still scrubbed from output). */
  readonly common: boolean;
  /**
   * Where in the value it was found, never what: a key path (`DATABASE_PASSWORD (line 1)`, `db.password`), `URL
   * password`, `PEM PRIVATE KEY body`, `line 3`. `credential-broker check` prints these, so a user sees why a
   * setting is redacted.
   */
  readonly from: readonly string[];
}

/** @internal Records a part: its text, where it was found, and whether it is too common to fail a file scan. */
type AddPart = (text: string, from: string, common?: boolean) => void;

/** @internal What {@link splitValue} finds in a value. */
export interface ValueParts {
  /** The secret-bearing parts, the whole value not included. */
  readonly parts: readonly Part[];
  /**
   * The value with its secret-bearing parts masked by `mask` and its furniture (PEM armour, keys, structure) kept,
   * when the value has furniture; printed instead of one label when the whole value is printed.
   */
  readonly masked: string | undefined;
  /** Whether the value is one opaque string (no furniture): its Buffer inspection is registered too. */
  readonly opaque: boolean;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
// `key: value`, `key = value`, `export KEY=value`, `- key: value`; the key without quotes.
const KEY_VALUE = /^(\s*(?:export\s+)?(?:-\s+)?)(["']?)([A-Za-z0-9_.\-/]+)\2(\s*[:=]\s*)(.*?)\s*$/;
const URL_SHAPED = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/;
// An .npmrc auth line: `//registry.npmjs.org/:_authToken=…`, `_auth = …`, `//host/:_password=…`.
const NPMRC_AUTH = /^(\s*(?:\/\/\S*?:)?_(?:authToken|auth|password)\s*=\s*)(\S+)\s*$/;
// `user:password@host[:port][/path]` with no scheme.
const USERINFO_HOST = /^[^\s:@/]+:[^\s@/]+@[^\s@/:]+(:\d+)?(\/\S*)?$/;
const FLOW_PAIR = /(?<=[{,]\s*)([A-Za-z0-9_.-]+)\s*:\s*([^,{}[\]\s]+)/g;
// Query parameters whose value is a secret (`token=`, `key=`, `sig=`, AWS/Azure presigned URLs, …).
const SECRET_QUERY =
  /^(access[-_]?token|token|id[-_]?token|refresh[-_]?token|key|api[-_]?key|apikey|sig|signature|x-amz-signature|x-amz-security-token|x-goog-signature|secret|client[-_]?secret|password|pass|pwd|code|auth|session)$/i;

/**
 * @internal Splits a value into its secret-bearing parts (scrub-and-files.md; docs/security.md "What is
 * registered"): PEM private-key body lines, leaf values of secret keys in JSON/YAML/INI/dotenv/kubeconfig, long
 * high-entropy leaf values, URL passwords and secret query values, and the lines of a multi-line value that has no
 * recognised structure. Armour, keys, certificates and short or low-entropy lines are never parts.
 */
export function splitValue(value: string, minLength: number, mask: string): ValueParts {
  const found = findParts(value, minLength, mask);
  if (found.masked === undefined) {
    return found;
  }
  // Whatever the structure said, no registered part survives in the masked text.
  let masked = found.masked;
  for (const part of [...found.parts].sort((a, b) => b.text.length - a.text.length)) {
    masked = masked.split(part.text).join(mask);
  }
  return { ...found, masked: masked === value ? undefined : masked };
}

function findParts(value: string, minLength: number, mask: string): ValueParts {
  const parts = new Map<string, { common: boolean; from: Set<string> }>();
  const add: AddPart = (text, from, common = isCommon(text)) => {
    if (text.length >= minLength) {
      const entry = parts.get(text) ?? { common: true, from: new Set<string>() };
      entry.common &&= common;
      entry.from.add(from);
      parts.set(text, entry);
    }
  };
  const trimmed = value.trim();
  if (URL_SHAPED.test(trimmed)) {
    // A URL printed whole is replaced whole: its host and user name are not worth a second kind of label.
    urlParts(trimmed, add, '');
    npmTokenPart(trimmed, add, '');
    return { parts: toParts(parts, value), masked: undefined, opaque: false };
  }
  if (USERINFO_HOST.test(trimmed)) {
    // `deploy:<password>@registry.acme.io`: its password is a part as a URL's is; the value stays opaque too (its
    // Buffer inspection registered), as it was before it was read as user info.
    urlParts(`x://${trimmed}`, add, '');
    return { parts: toParts(parts, value), masked: undefined, opaque: true };
  }
  if (/^[{[]/.test(trimmed)) {
    const json = jsonParts(trimmed, value, add, minLength, mask);
    if (json !== undefined) {
      return { parts: toParts(parts, value), masked: json, opaque: false };
    }
  }
  // Before the single-line check: `echo "machine … login … password $TOKEN" > ~/.netrc` is one line.
  const netrc = netrcParts(value, add, mask);
  if (netrc !== undefined) {
    return { parts: toParts(parts, value), masked: netrc, opaque: false };
  }
  if (!/[\r\n]/.test(trimmed) && !NPMRC_AUTH.test(trimmed)) {
    return { parts: [], masked: undefined, opaque: true };
  }
  const masked = textParts(value, add, minLength, mask);
  return { parts: toParts(parts, value), masked, opaque: masked === undefined };
}

const NETRC_PAIRS = new Set(['machine', 'login', 'password', 'account']);
const NETRC_SECRETS = new Set(['password', 'account']);
// Public words that services ask for in the password field when the token is the login (GitHub's OAuth layout).
const NETRC_PLACEHOLDERS = new Set(['x-oauth-basic', 'x-access-token', 'x-token-auth', 'oauth2', 'token']);
// A token of a netrc: a double-quoted string (curl's netrc allows quotes and escapes), or a run of non-space.
const NETRC_TOKEN = /"((?:[^"\\]|\\.)*)"|\S+/g;

/**
 * A `.netrc` (`machine <host> login <user> password <secret>`, `default` for any host, pairs on one line or many,
 * `#` comment lines): the values of `password` and `account` are its secrets, and a login that looks like a token
 * (GitHub's `login <token> password x-oauth-basic`); host names, plain logins and placeholder passwords are
 * structure, which would otherwise be registered as lines of an unstructured value (`machine github.com` in a git
 * helper's output). A `macdef` macro's lines, up to the next blank line, are skipped. Returns the masked text, or
 * undefined when the value is not a netrc.
 */
function netrcParts(value: string, add: AddPart, mask: string): string | undefined {
  const tokens: { text: string; raw: string; at: number }[] = [];
  let lineStart = 0;
  // A `macdef` macro runs to the next blank line: its lines are commands, not pairs.
  let inMacro = false;
  for (const line of value.split('\n')) {
    if (inMacro) {
      inMacro = line.trim() !== '';
    } else if (!line.trimStart().startsWith('#')) {
      for (const m of line.matchAll(NETRC_TOKEN)) {
        if (m[0] === 'macdef') {
          inMacro = true;
          break;
        }
        tokens.push({
          text: m[1] === undefined ? m[0] : m[1].replace(/\\(.)/g, '$1'),
          raw: m[0],
          at: lineStart + m.index,
        });
      }
    }
    lineStart += line.length + 1;
  }
  const first = tokens[0]?.raw;
  if (first !== 'machine' && first !== 'default') {
    return undefined;
  }
  const secrets: { word: string; text: string; raw: string; at: number }[] = [];
  for (let i = 0; i < tokens.length; ) {
    const word = tokens[i]!.raw;
    if (word === 'default') {
      i += 1;
      continue;
    }
    const next = tokens[i + 1];
    if (!NETRC_PAIRS.has(word) || next === undefined) {
      return undefined;
    }
    const secret =
      (NETRC_SECRETS.has(word) && !NETRC_PLACEHOLDERS.has(next.text)) || (word === 'login' && isHighEntropy(next.text));
    if (secret) {
      secrets.push({ word, ...next });
    }
    i += 2;
  }
  if (secrets.length === 0) {
    return undefined;
  }
  let masked = '';
  let from = 0;
  for (const { word, text, raw, at } of secrets) {
    add(text, `netrc ${word} (line ${value.slice(0, at).split('\n').length})`);
    masked += value.slice(from, at) + mask;
    from = at + raw.length;
  }
  return masked + value.slice(from);
}

function toParts(parts: ReadonlyMap<string, { common: boolean; from: Set<string> }>, whole: string): Part[] {
  return [...parts]
    .filter(([text]) => text !== whole)
    .map(([text, { common, from }]) => ({ text, common, from: [...from] }));
}

// PEM blocks, then key/value lines; other lines of a structured value are furniture unless high-entropy. A value
// without PEM blocks or key/value lines is unstructured: each line that is not common is a part.
function textParts(value: string, add: AddPart, minLength: number, mask: string): string | undefined {
  const lines = value.split(/(\r?\n)/);
  const secretLine = new Array<boolean>(lines.length).fill(false);
  const maskedLines = [...lines];
  let structured = false;
  // Line index of each character offset's line, for the PEM blocks.
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    starts.push(offset);
    offset += line.length;
  }
  const lineAt = (pos: number): number => {
    let i = starts.length - 1;
    while (starts[i]! > pos) {
      i--;
    }
    return i;
  };
  const inPem = new Set<number>();
  for (const block of value.matchAll(PEM_BLOCK)) {
    structured = true;
    const first = lineAt(block.index);
    const last = lineAt(block.index + block[0].length - 1);
    for (let i = first; i <= last; i++) {
      inPem.add(i);
    }
    if (/CERTIFICATE|PUBLIC KEY/.test(block[1]!)) {
      continue;
    }
    const body = block[2]!.split(/\r?\n/).filter((line) => /^[A-Za-z0-9+/=]+$/.test(line.trim()));
    const pem = `PEM ${block[1]} body`;
    add(body.join(''), pem, false);
    for (let i = first + 1; i < last; i++) {
      const line = lines[i]!.trim();
      // Proc-Type/DEK-Info headers of legacy encrypted keys are armour, and so is an OpenSSH key's first line (magic,
      // cipher, KDF, key count: the same in every unencrypted key of one type).
      if (line !== '' && !line.includes(':') && !line.startsWith(OPENSSH_MAGIC)) {
        add(line, pem, line.length < 16);
        secretLine[i] = true;
      }
    }
  }
  for (let i = 0; i < lines.length; i += 2) {
    if (inPem.has(i)) {
      continue;
    }
    const line = lines[i]!;
    const npm = NPMRC_AUTH.exec(line);
    if (npm !== null) {
      // `//registry.npmjs.org/:_authToken=…` (an .npmrc): the key holds a `:`, which no key/value line does.
      structured = true;
      add(npm[2]!, `npmrc auth token (line ${i / 2 + 1})`);
      maskedLines[i] = `${npm[1]}${mask}`;
      continue;
    }
    const kv = KEY_VALUE.exec(line);
    if (kv !== null) {
      structured = true;
      const leaf = unquote(kv[5]!);
      if (leaf === '' || leaf === '|' || leaf === '>') {
        continue;
      }
      const at = ` (line ${i / 2 + 1})`;
      const name = keyLabel(kv[3]!);
      if (/^[{[]/.test(leaf)) {
        // A YAML flow mapping (`user: { token: … }`): each `key: scalar` pair in it is a leaf.
        maskedLines[i] = line.replace(FLOW_PAIR, (pair, k: string, v: string) =>
          leafIsSecret(k, `${name}.${keyLabel(k)}${at}`, unquote(v), add, minLength) || maskWhenWhole(k, unquote(v))
            ? pair.slice(0, pair.length - v.length) + mask
            : pair
        );
      } else if (leafIsSecret(kv[3]!, `${name}${at}`, leaf, add, minLength) || maskWhenWhole(kv[3]!, leaf)) {
        maskedLines[i] = `${kv[1]}${kv[2]}${kv[3]}${kv[2]}${kv[4]}${mask}`;
      }
    }
  }
  if (!structured) {
    for (let i = 0; i < lines.length; i += 2) {
      const line = lines[i]!.trim();
      if (!isCommon(line) && !/^-{3,}|^[[\]{}(),]+$/.test(line)) {
        add(line, `line ${i / 2 + 1}`);
      }
    }
    return undefined;
  }
  for (let i = 0; i < lines.length; i += 2) {
    if (inPem.has(i) || KEY_VALUE.test(lines[i]!)) {
      continue;
    }
    const line = lines[i]!.trim().replace(/^-\s+/, '');
    if (isHighEntropy(line)) {
      add(line, `line ${i / 2 + 1} (high entropy)`, false);
      secretLine[i] = true;
    }
  }
  // Consecutive masked lines (a PEM body) print as one label.
  const out: string[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    if (secretLine[i]) {
      const indent = /^\s*/.exec(lines[i]!)![0];
      if (!(i >= 2 && secretLine[i - 2])) {
        out.push(`${indent}${mask}`, lines[i + 1] ?? '');
      }
      continue;
    }
    out.push(maskedLines[i]!, lines[i + 1] ?? '');
  }
  return out.join('');
}

// Registers a leaf value when its key says it is secret, or it looks secret and its key does not say it is public;
// URL-shaped and PEM-shaped leaves contribute their own parts. `path` says where the leaf is (for `check`).
// Returns whether the leaf is masked.
function leafIsSecret(key: string, path: string, leaf: string, add: AddPart, minLength: number): boolean {
  const kind = keyKind(key);
  if (kind !== 'public') {
    npmTokenPart(leaf, add, `${path}: `);
  }
  // A URL, or a URL's user info without its scheme (`deploy:<password>@registry.acme.io`) under any key but a public one.
  const url = URL_SHAPED.test(leaf) ? leaf : kind !== 'public' && USERINFO_HOST.test(leaf) ? `x://${leaf}` : undefined;
  if (url !== undefined) {
    let found = false;
    urlParts(
      url,
      (text, from, common) => {
        found = true;
        add(text, from, common);
      },
      `${path}: `
    );
    return found && kind === 'secret';
  }
  if (leaf.includes('-----BEGIN ')) {
    const inner = splitValue(leaf.replace(/\\n/g, '\n'), minLength, '');
    for (const part of inner.parts) {
      add(part.text, `${path}: ${part.from.join(', ')}`, part.common);
    }
    return inner.parts.length > 0;
  }
  if (kind === 'secret') {
    add(leaf, path);
    return true;
  }
  if (kind === 'neutral' && isHighEntropy(leaf)) {
    add(leaf, `${path} (high entropy)`);
    return true;
  }
  return false;
}

// Printed whole, a structured value shows only what is clearly not secret: a leaf under a key that is neither
// secret nor public is masked there unless it is common — though it is not registered on its own (it may recur).
function maskWhenWhole(key: string, leaf: string): boolean {
  return keyKind(key) === 'neutral' && !isCommon(leaf) && !URL_SHAPED.test(leaf);
}

// A key as `check` prints it: a key is structure, but a map keyed by secrets (`{ "<token>": "user" }`) exists, and
// what `check` prints is not scrubbed. A key that is long, odd or random is printed as `*`.
function keyLabel(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]{0,47}$/.test(key) && !isHighEntropy(key) ? key : '*';
}

function unquote(text: string): string {
  const m = /^(["'])(.*)\1$/.exec(text);
  return m === null ? text.replace(/\s+#.*$/, '') : m[2]!;
}

// JSON values: each string leaf under its nearest key. Returns the masked text, or undefined when not JSON.
function jsonParts(trimmed: string, value: string, add: AddPart, minLength: number, mask: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return undefined;
  }
  const secrets = new Set<string>();
  // `key` classifies a leaf (an array's items go by the array's key); `path` says where it is.
  const walk = (node: unknown, key: string, path: string): void => {
    if (typeof node === 'string') {
      if (leafIsSecret(key, path, node, add, minLength) || maskWhenWhole(key, node)) {
        secrets.add(node);
      }
    } else if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) {
        walk(item, key, `${path}[${i}]`);
      }
    } else if (typeof node === 'object' && node !== null) {
      for (const [k, v] of Object.entries(node)) {
        walk(v, k, path === '' ? keyLabel(k) : `${path}.${keyLabel(k)}`);
      }
    }
  };
  walk(parsed, '', '');
  let masked = value;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    masked = masked.split(`"${JSON.stringify(secret).slice(1, -1)}"`).join(`"${mask}"`);
  }
  return masked;
}

// The password (as written and decoded), `user:password` (its base64 is the HTTP Basic credential), and secret
// query values (as written and decoded).
function urlParts(text: string, add: AddPart, where: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return;
  }
  if (url.password !== '') {
    const raw = rawPassword(text) ?? url.password;
    const decoded = safeDecode(raw);
    for (const form of new Set([raw, url.password, decoded])) {
      add(form, `${where}URL password`);
    }
    add(`${safeDecode(url.username)}:${decoded}`, `${where}URL password`, isCommon(decoded));
  }
  for (const [key, v] of url.searchParams) {
    if (SECRET_QUERY.test(key) && v !== '') {
      const from = `${where}URL query ${key}`;
      add(v, from);
      const raw = new RegExp(`[?&]${escapeRegExp(encodeURIComponent(key))}=([^&#]*)`).exec(text)?.[1];
      if (raw !== undefined) {
        add(raw, from, isCommon(v));
      }
    }
  }
}

// `https://npm.acme.io/:_authToken=…`: an .npmrc line's registry and token, written as one value.
function npmTokenPart(text: string, add: AddPart, where: string): void {
  const token = /\/:_(?:authToken|auth|password)=(\S+)$/.exec(text)?.[1];
  if (token !== undefined) {
    add(token, `${where}npm auth token`);
  }
}

// The password exactly as written (WHATWG URL re-encodes some characters).
function rawPassword(text: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@:]*:([^/?#]*)@/.exec(text);
  return m?.[1];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
