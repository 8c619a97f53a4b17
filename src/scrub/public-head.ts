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
/** Room for the armour's line break as a form prints it (`\n`, `\\n`, `%0D%0A`, `&#10;`…) before the body. */
const LINE_BREAK_ROOM = 8;

/** Length of the shared furniture `form` begins with (PEM armour, an OpenSSH key's first line), or 0. */
export function publicHeadLength(form: string): number {
  if (form.startsWith(ARMOUR_BASE64)) {
    // Decoded up to the end of the first body line at most; each 3 bytes of furniture are 4 characters of the form.
    const decoded = Buffer.from(form.slice(0, 4 * 48), 'base64').toString('latin1');
    return Math.ceil((publicHeadLength(decoded) * 4) / 3);
  }
  const armour = ARMOUR.exec(form)?.[0].length ?? 0;
  const magic = form.indexOf(OPENSSH_MAGIC, armour);
  return magic !== -1 && magic - armour <= LINE_BREAK_ROOM ? magic + OPENSSH_FURNITURE : armour;
}
