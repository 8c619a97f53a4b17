/**
 * sops value encryption (`aes/cipher.go`): `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, AES-256-GCM with a
 * 32-byte IV, the 16-byte tag stored apart, and the key path as additional authenticated data.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  formatGoFloatF,
  GoFloat,
  GoInt,
  GoTime,
  parseGoBool,
  parseGoFloat,
  parseGoInt,
  parseRfc3339,
} from './go-values.js';
import { integrityProblem, parseProblem, SopsProblem } from './problem.js';
import { Comment, type Scalar, type TreeValue } from './tree.js';

// sops matches with this unanchored-at-the-end Go regexp; `.` stops at a line break in both languages.
const ENC_PATTERN = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;
const TAG_BYTES = 16;
const NONCE_BYTES = 32;

/** @internal The parts of an `ENC[…]` string. */
export interface EncryptedValue {
  readonly data: Uint8Array;
  readonly iv: Uint8Array;
  readonly tag: Uint8Array;
  readonly type: string;
}

/** @internal Whether a string looks like a sops-encrypted value at all. */
export function looksEncrypted(text: string): boolean {
  return text.startsWith('ENC[');
}

/**
 * @internal Parse `ENC[…]`. `where` names the value in errors (`the value at "db:password"`).
 * @throws SopsProblem for a malformed value: not the ENC form, bad base64, wrong tag or IV size.
 */
export function parseEncryptedValue(text: string, where: string): EncryptedValue {
  const m = ENC_PATTERN.exec(text);
  if (m === null) {
    throw parseProblem(
      `${where} is not a sops-encrypted value (expected ENC[AES256_GCM,data:…,iv:…,tag:…,type:…])`,
      'The file is damaged, or a value was edited by hand'
    );
  }
  const [, data = '', iv = '', tag = '', type = ''] = m;
  const decoded = {
    data: decodeBase64(data, 'data', where),
    iv: decodeBase64(iv, 'iv', where),
    tag: decodeBase64(tag, 'tag', where),
  };
  if (decoded.tag.length !== TAG_BYTES) {
    throw parseProblem(`${where} has a ${decoded.tag.length}-byte tag; AES-GCM tags are ${TAG_BYTES} bytes`);
  }
  if (decoded.iv.length === 0) {
    throw parseProblem(`${where} has an empty iv`);
  }
  return { ...decoded, type };
}

// Go's base64.StdEncoding: padding required, CR and LF ignored, nothing else outside the alphabet.
function decodeBase64(text: string, part: string, where: string): Uint8Array {
  const compact = text.replace(/[\r\n]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    throw parseProblem(
      `${where} has invalid base64 in its ${part}`,
      'The file is damaged, or a value was edited by hand'
    );
  }
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

/** @internal AES-256-GCM open. `undefined` when authentication fails (wrong key, AAD or bytes). */
export function openValue(value: EncryptedValue, key: Uint8Array, aad: string): Uint8Array | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, value.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(value.tag);
    return new Uint8Array(Buffer.concat([decipher.update(value.data), decipher.final()]));
  } catch {
    return undefined;
  }
}

/**
 * @internal The typed value for decrypted bytes (`Cipher.Decrypt`). A value whose bytes do not parse as its
 * declared type had its `type` changed after encryption: the type is not covered by the GCM tag.
 */
export function decodeTyped(plaintext: Uint8Array, type: string, where: string): TreeValue {
  const text = Buffer.from(plaintext).toString('utf8');
  let value: TreeValue | undefined;
  switch (type) {
    case 'str':
      return text;
    case 'bytes':
      return plaintext;
    case 'comment':
      return new Comment(text);
    case 'int':
      value = parseGoInt(text);
      break;
    case 'float':
      value = parseGoFloat(text);
      break;
    case 'bool':
      value = parseGoBool(text);
      break;
    case 'time':
      value = parseRfc3339(text);
      break;
    default:
      throw new SopsProblem(
        'UNSUPPORTED',
        'decrypt',
        `${where} has the unknown type ${JSON.stringify(type)} (known: str, int, float, bool, time, bytes, comment)`
      );
  }
  if (value === undefined) {
    throw integrityProblem(`${where} does not parse as its declared type ${type}`);
  }
  return value;
}

/** @internal The bytes sops encrypts for a value, and its type name (`Cipher.Encrypt`). */
export function plaintextOf(value: Scalar | Comment): { bytes: Uint8Array; type: string } {
  const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
  if (typeof value === 'string') {
    return { bytes: utf8(value), type: 'str' };
  }
  if (typeof value === 'boolean') {
    return { bytes: utf8(value ? 'True' : 'False'), type: 'bool' };
  }
  if (value instanceof GoInt) {
    return { bytes: utf8(value.value.toString()), type: 'int' };
  }
  if (value instanceof GoFloat) {
    return { bytes: utf8(formatGoFloatF(value.value)), type: 'float' };
  }
  if (value instanceof GoTime) {
    return { bytes: utf8(value.text), type: 'time' };
  }
  if (value instanceof Comment) {
    return { bytes: utf8(value.value), type: 'comment' };
  }
  if (value instanceof Uint8Array) {
    // sops never writes `bytes`; it walks []byte as a string.
    return { bytes: value, type: 'str' };
  }
  throw new TypeError('a null value is never encrypted');
}

/**
 * @internal AES-256-GCM seal into the `ENC[…]` form. An empty string stays empty, as in sops. `iv` is for
 * reproducible test vectors; sops draws 32 random bytes.
 */
export function sealValue(value: Scalar | Comment, key: Uint8Array, aad: string, iv?: Uint8Array): string {
  const { bytes, type } = plaintextOf(value);
  if (bytes.length === 0 && (typeof value === 'string' || value instanceof Comment)) {
    return '';
  }
  const nonce = iv ?? new Uint8Array(randomBytes(NONCE_BYTES));
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(bytes), cipher.final()]);
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
  return `ENC[AES256_GCM,data:${b64(data)},iv:${b64(nonce)},tag:${b64(cipher.getAuthTag())},type:${type}]`;
}
