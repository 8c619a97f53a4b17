/**
 * Furniture at the start of a form that every credential of its kind shares. A cut prefix (a form's beginning followed
 * by `…` or `...`) counts only past it: `-----BEGIN PRIVATE KEY-----...` in a hint, or the first line of someone
 * else's OpenSSH key, is not a cut of this key.
 */

const ARMOUR = /^-----BEGIN [A-Z0-9 ]+-----/;
/** `openssh-key-v1\0` in base64: the first body line of an OpenSSH private key begins with it. */
export const OPENSSH_MAGIC = 'b3BlbnNzaC1rZXktdjE';
/**
 * The shared part of that first body line: magic, cipher and KDF names, key count and the public key's length and type
 * (the 70 characters of an unencrypted key's line are the same in every key of one type; 64 covers an encrypted one's
 * names before its random salt).
 */
export const OPENSSH_FURNITURE = 64;
/** `-----BEGIN ` in base64 (a Kubernetes secret's `data`, a PEM passed base64-encoded). */
const ARMOUR_BASE64 = 'LS0tLS1CRUdJTi';
/** The armour's line break as a form prints it (`\n`, `\\n`, `\r\n`, `%0D%0A`, `&#10;`…) and an indent after it. */
const SEPARATOR = /^(?:\\[nr]|%0[ad]|&#1[03];|\W){1,24}/i;

/** Length of the shared furniture `form` begins with (PEM armour, a key's DER header, an OpenSSH first line), or 0. */
export function publicHeadLength(form: string): number {
  if (form.startsWith(ARMOUR_BASE64)) {
    // Decoded up to the end of the first body line at most; each 3 bytes of furniture are 4 characters of the form.
    const decoded = Buffer.from(form.slice(0, 4 * 48), 'base64').toString('latin1');
    return Math.ceil((publicHeadLength(decoded) * 4) / 3);
  }
  const armour = ARMOUR.exec(form)?.[0].length ?? 0;
  // Without armour, only a DER body (a SEQUENCE: `M…`) or an OpenSSH one (`b3Bl…`) can begin with furniture; this runs
  // for every form of every value.
  if (armour === 0 && form[0] !== 'M' && form[0] !== 'b') {
    return 0;
  }
  // The body starts after the armour's line break as the form prints it, and any indent (YAML, Jest's console); a
  // form without armour may be a body itself (a PEM body registered as a part).
  const start = armour === 0 ? 0 : armour + (SEPARATOR.exec(form.slice(armour, armour + 64))?.[0].length ?? 0);
  if (form.startsWith(OPENSSH_MAGIC, start)) {
    return start + OPENSSH_FURNITURE;
  }
  const line = /^[A-Za-z0-9+/]{8,64}/.exec(form.slice(start, start + 64));
  const header =
    line === null || (armour !== 0 && start === armour) ? 0 : derHeaderBytes(Buffer.from(line[0], 'base64'));
  // Only whole base64 quanta of header bytes are the same in every key: 3 bytes, 4 characters.
  return header === 0 ? armour : start + Math.floor(header / 3) * 4;
}

/**
 * How many bytes of a DER private key (PKCS#8, PKCS#1, SEC1) come before its first value of key material: the nested
 * SEQUENCE and OCTET STRING headers, the version and the algorithm's OIDs, which every key of one type shares
 * (`MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg` in every P-256 PKCS#8 key). The first primitive value of 16 bytes or
 * more (a modulus, a private scalar, a seed) is key material. 0 when `der` does not read as such a key.
 */
export function derHeaderBytes(der: Uint8Array): number {
  if (der[0] !== 0x30) {
    return 0;
  }
  for (let pos = 0; pos < der.length; ) {
    const element = readElement(der, pos);
    if (element === undefined) {
      return 0;
    }
    const { tag, content, length } = element;
    // An OCTET STRING that wraps the key (PKCS#8's privateKey, Ed25519's inner string) is read into, like a SEQUENCE:
    // when it holds exactly one element. A seed or scalar that merely begins with such a tag byte is key material.
    const inner = tag === 0x04 ? readElement(der, content) : undefined;
    const wraps = inner !== undefined && (inner.tag === 0x30 || inner.tag === 0x04) && inner.end === content + length;
    if ((tag & 0x20) !== 0 || wraps) {
      pos = content;
    } else if (length >= 16) {
      return content;
    } else {
      pos = content + length;
    }
  }
  return 0;
}

/** The DER element at `pos`: its tag, where its content starts, its length and where it ends; undefined if unreadable. */
function readElement(
  der: Uint8Array,
  pos: number
): { tag: number; content: number; length: number; end: number } | undefined {
  const tag = der[pos];
  let length = der[pos + 1];
  let content = pos + 2;
  if (tag === undefined || length === undefined || length === 0x80) {
    return undefined;
  }
  if (length > 0x80) {
    const bytes = length - 0x80;
    if (bytes > 3) {
      return undefined;
    }
    length = 0;
    for (let i = 0; i < bytes; i++) {
      length = length * 256 + (der[content + i] ?? 0);
    }
    content += bytes;
  }
  return { tag, content, length, end: content + length };
}
