/**
 * The rule that decides which parts of a value carry the secret, and which are too common to fail a file scan.
 * Documented in docs/security.md ("What is registered"); change both together.
 */

/** @internal Shortest text that is never "common": below it, words and numbers recur by accident. */
export const COMMON_BELOW = 10;

/** @internal Shortest high-entropy string registered on entropy alone (no key says it is secret). */
const HIGH_ENTROPY_MIN = 20;

/** @internal Shannon entropy of the text's own character distribution, in bits per character. */
export function bitsPerChar(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) {
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const n = [...text].length;
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * @internal Too common to scrub without false positives: shorter than {@link COMMON_BELOW} characters, fewer than
 * five distinct characters, or a single word or number under 16 characters (`postgres`, `localhost`,
 * `administrator`, `12345678901`). Such text is still scrubbed from output, but never fails a file scan.
 */
export function isCommon(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed.length < COMMON_BELOW || new Set(trimmed).size < 5) {
    return true;
  }
  return trimmed.length < 16 && (/^[A-Za-z]+$/.test(trimmed) || /^\d+$/.test(trimmed));
}

/**
 * @internal A string that is secret by its look alone: token characters only, at least 20 long, at least 3.5 bits
 * of entropy per character and two of lowercase, uppercase and digits. Paths, host names, e-mail addresses and
 * prose fail it.
 */
export function isHighEntropy(text: string): boolean {
  if (text.length < HIGH_ENTROPY_MIN || !/^[A-Za-z0-9+/=_\-.~]+$/.test(text)) {
    return false;
  }
  return characterClasses(text) >= 2 && bitsPerChar(text) >= 3.5;
}

/** @internal How many of lowercase letters, uppercase letters and digits `text` holds. */
export function characterClasses(text: string): number {
  return Number(/[a-z]/.test(text)) + Number(/[A-Z]/.test(text)) + Number(/\d/.test(text));
}

// Keys whose value is public even when it looks random: certificates, identifiers, addresses, names.
const PUBLIC_KEY =
  /cert|certificate|public|pubkey|(^|[-_.])(ca|id|kid|url|uri|endpoint|host|hostname|server|type|name|email|user|username|issuer|audience|region|project|namespace|cluster|context|kind|version|apiversion|domain)$/i;
// Keys whose value is secret whatever it looks like.
const SECRET_KEY =
  /pass(word|wd|phrase)?$|pwd$|secret|token|private|credential|auth$|authorization|signature|(^|[-_.])sig$|session|cookie|bearer|api[-_]?key|access[-_]?key|(^|[-_.])key$|key[-_]?data$|salt$/i;

// A session id authenticates whoever holds it (it is the session cookie's value): secret, though it ends in `id`.
const SESSION_ID = /session[-_.]?id$/i;
/**
 * Last words that make a key name a setting ABOUT a secret rather than the secret: what kind or where it is kept
 * (`SIGNATURE_ALGORITHM=HMAC-SHA256`, `SESSION_BACKEND`, `SESSION_ENGINE`, `CREDENTIAL_SOURCE`, `TOKEN_PROVIDER`,
 * `SECRETS_BACKEND`, `SESSION_STORE`), how long it lives (`TOKEN_TTL`, `SESSION_MAX_AGE`), a flag
 * (`SESSION_COOKIE_SECURE`, `COOKIE_HTTPONLY`), where it is (`PRIVATE_KEY_PATH`, `TOKEN_FILE`, `SESSION_PORT`,
 * `PRIVATE_REGISTRY`, `PRIVATE_BUCKET`) or what it may do (`TOKEN_SCOPE`). An application's whole `.env` or JSON
 * secret holds such settings next to its secrets; registered, a harmless `HMAC-SHA256` in a source file would fail
 * the run. Such a key is neutral, not secret: its value is registered only when it looks secret itself (high
 * entropy). Never here: a word that may BE the secret or hold it (`key`, `secret`, `token`, `hash`, `digest`, `data`,
 * `value`, `base`, `id`, `header`: `Bearer …`, `prefix`: the start of a key).
 */
const SETTING_WORDS = new Set([
  // what kind, which implementation
  'algorithm',
  'algorithms',
  'algo',
  'alg',
  'backend',
  'engine',
  'driver',
  'adapter',
  'provider',
  'source',
  'store',
  'storage',
  'strategy',
  'handler',
  'class',
  'serializer',
  'type',
  'kind',
  'mode',
  'method',
  'format',
  'encoding',
  'scheme',
  'version',
  'name',
  // how long it lives
  'ttl',
  'timeout',
  'expiry',
  'expires',
  'expiration',
  'lifetime',
  'age',
  'maxage',
  'duration',
  'interval',
  // flags
  'enabled',
  'enable',
  'disabled',
  'required',
  'secure',
  'httponly',
  'samesite',
  // where it is, how it travels
  'path',
  'file',
  'dir',
  'directory',
  'location',
  'port',
  'scope',
  'scopes',
  // where it is kept, as an address (`PRIVATE_REGISTRY=registry.internal.acme.io`, `PRIVATE_SUBNET`)
  'registry',
  'bucket',
  'subnet',
  'cidr',
  'vpc',
  'network',
  'zone',
  'repo',
  'repository',
  'mirror',
  'address',
  'addr',
]);

// `SIGNATURE_ALGORITHM`, `signature-algorithm`, `signatureAlgorithm`, `sessionMaxAge`, `cookie.httpOnly`: the last
// word, or the last two run together (`http_only`, `same-site`, `max_age`).
function endsWithSetting(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[-_.\s]+/)
    .filter(Boolean);
  const last = words.at(-1) ?? '';
  return SETTING_WORDS.has(last) || SETTING_WORDS.has(`${words.at(-2) ?? ''}${last}`);
}

/** @internal How a key classifies its value: `'secret'`, `'public'`, or `'neutral'` (decided by the value's look). */
export function keyKind(key: string): 'secret' | 'public' | 'neutral' {
  if (SESSION_ID.test(key)) {
    return 'secret';
  }
  if (PUBLIC_KEY.test(key)) {
    return 'public';
  }
  return SECRET_KEY.test(key) && !endsWithSetting(key) ? 'secret' : 'neutral';
}
