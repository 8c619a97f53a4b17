import { armor, Stanza } from 'age-encryption';
import { AgeProblem } from './problem.js';

const VERSION_LINE = 'age-encryption.org/v1';
const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
const ARMOR_END = '-----END AGE ENCRYPTED FILE-----';
const BODY_COLUMNS = 64;

/** @internal A parsed age header. `bytes` runs through the newline after the MAC, as typage's `decryptHeader` wants. */
export interface AgeHeader {
  readonly stanzas: readonly Stanza[];
  readonly bytes: Uint8Array;
  readonly payload: Uint8Array;
}

/**
 * @internal Turn the input into the binary age file: decode ASCII armor when present. Rejections never quote the
 * input, which may be a plaintext secret handed over by mistake.
 */
export function toBinary(input: Uint8Array | string): Uint8Array {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  if (bytes.length === 0) {
    throw new AgeProblem('UNSUPPORTED', 'the file is empty (0 bytes), not an age file');
  }
  const head = Buffer.from(bytes.subarray(0, 256)).toString('latin1');
  if (head.startsWith('age-encryption.org/')) {
    return bytes;
  }
  const trimmed = head.trimStart();
  if (trimmed.startsWith(ARMOR_BEGIN)) {
    return decodeArmor(typeof input === 'string' ? input : Buffer.from(bytes).toString('latin1'));
  }
  if (trimmed === '') {
    throw new AgeProblem('UNSUPPORTED', 'the file holds only white space, not an age file');
  }
  const pem = /^-----BEGIN ([A-Z0-9 ]{1,40})-----/.exec(trimmed);
  throw new AgeProblem(
    'UNSUPPORTED',
    pem === null
      ? `not an age file: it starts neither with "${VERSION_LINE}" nor with "${ARMOR_BEGIN}"`
      : `not an age file: it holds a "${pem[1]}" PEM block, not "AGE ENCRYPTED FILE"`
  );
}

// The same strict PEM subset as age's armor package, checked here so that errors can say which line is wrong.
function decodeArmor(text: string): Uint8Array {
  const lines = text.trim().replaceAll('\r\n', '\n').split('\n');
  if (lines.at(-1) !== ARMOR_END) {
    throw new AgeProblem('UNSUPPORTED', `invalid ASCII armor: the last line is not "${ARMOR_END}" (truncated?)`);
  }
  const body = lines.slice(1, -1);
  if (body.length === 0) {
    throw new AgeProblem('UNSUPPORTED', 'invalid ASCII armor: no data between the BEGIN and END lines');
  }
  for (const [i, line] of body.entries()) {
    const last = i === body.length - 1;
    const lengthOk = last
      ? line.length > 0 && line.length <= BODY_COLUMNS && line.length % 4 === 0
      : line.length === 64;
    if (!lengthOk || !/^[A-Za-z0-9+/]+={0,2}$/.test(line) || (!last && line.includes('='))) {
      throw new AgeProblem(
        'UNSUPPORTED',
        `invalid ASCII armor: line ${i + 2} is not ${last ? 'a final' : 'a 64-column'} base64 line`
      );
    }
  }
  try {
    return armor.decode(text);
  } catch {
    throw new AgeProblem('UNSUPPORTED', 'invalid ASCII armor: the base64 data is malformed');
  }
}

/** @internal Parse the header strictly (age v1 spec); the payload is whatever follows the MAC line. */
export function parseHeader(file: Uint8Array): AgeHeader {
  const lines = new LineCursor(file);
  const version = lines.next();
  if (version !== VERSION_LINE) {
    const other = /^age-encryption\.org\/(v\d{1,4})$/.exec(version);
    throw new AgeProblem(
      'UNSUPPORTED',
      other === null
        ? `not an age file: the first line is not "${VERSION_LINE}"`
        : `unsupported age format version ${other[1]} (only v1 is known)`
    );
  }
  const stanzas: Stanza[] = [];
  let line = lines.next();
  while (line.startsWith('->')) {
    const at = lines.number;
    const args = line.slice(2).startsWith(' ') ? line.slice(3).split(' ') : [];
    if (args.length === 0 || args.some((arg) => arg === '')) {
      throw new AgeProblem('UNSUPPORTED', `malformed age header: line ${at} is not a valid stanza line`);
    }
    stanzas.push(new Stanza(args, readBody(lines, at)));
    line = lines.next();
  }
  if (!line.startsWith('---')) {
    throw new AgeProblem('UNSUPPORTED', `malformed age header: line ${lines.number} is neither a stanza nor the MAC`);
  }
  if (stanzas.length === 0) {
    throw new AgeProblem('UNSUPPORTED', 'malformed age header: it lists no recipients');
  }
  const mac = line.startsWith('--- ') ? decodeBase64(line.slice(4)) : null;
  if (mac === null || mac.length !== 32) {
    throw new AgeProblem(
      'UNSUPPORTED',
      `malformed age header: the MAC on line ${lines.number} is not 32 bytes of base64`
    );
  }
  for (const [index, stanza] of stanzas.entries()) {
    checkKnownStanza(stanza, index + 1);
  }
  return { stanzas, bytes: file.subarray(0, lines.offset), payload: file.subarray(lines.offset) };
}

function readBody(lines: LineCursor, stanzaLine: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const text = lines.next();
    const chunk = text.length <= BODY_COLUMNS ? decodeBase64(text) : null;
    if (chunk === null) {
      throw new AgeProblem(
        'UNSUPPORTED',
        `malformed age header: line ${lines.number} (body of the stanza on line ${stanzaLine}) is not canonical unpadded base64 of at most 64 columns`
      );
    }
    chunks.push(chunk);
    if (text.length < BODY_COLUMNS) {
      return new Uint8Array(Buffer.concat(chunks));
    }
  }
}

// Shapes fixed by the spec for the types we know, checked up front so that a damaged stanza gets a precise error
// instead of a generic one from whichever identity trips over it. Unknown types (plugins, grease) pass untouched.
function checkKnownStanza(stanza: Stanza, position: number): void {
  const [type, ...args] = stanza.args;
  const arg = (i: number, bytes: number) => decodeBase64(args[i] ?? '')?.length === bytes;
  const ok =
    type === 'X25519'
      ? args.length === 1 && arg(0, 32) && stanza.body.length === 32
      : type === 'ssh-ed25519'
        ? args.length === 2 && arg(0, 4) && arg(1, 32) && stanza.body.length === 32
        : type === 'ssh-rsa'
          ? args.length === 1 && arg(0, 4) && stanza.body.length > 0
          : type === 'scrypt'
            ? args.length === 2 && arg(0, 16) && /^[1-9][0-9]?$/.test(args[1] ?? '') && stanza.body.length === 32
            : type === 'mlkem768x25519'
              ? args.length === 1 && arg(0, 1120) && stanza.body.length === 32
              : true;
  if (!ok) {
    throw new AgeProblem(
      'UNSUPPORTED',
      `malformed age header: stanza ${position} (${type}) does not have the shape the spec requires`
    );
  }
}

/** Canonical, unpadded standard base64 (what age writes), or `null`. */
function decodeBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*$/.test(text) || text.length % 4 === 1) {
    return null;
  }
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === text ? new Uint8Array(bytes) : null;
}

/** Reads `\n`-terminated printable ASCII lines, counting them for messages. */
class LineCursor {
  readonly #file: Uint8Array;
  offset = 0;
  number = 0;

  constructor(file: Uint8Array) {
    this.#file = file;
  }

  next(): string {
    const end = this.#file.indexOf(0x0a, this.offset);
    if (end < 0) {
      throw new AgeProblem(
        'INTEGRITY',
        `the file is truncated: its header stops in line ${this.number + 1}, before the MAC`
      );
    }
    const raw = this.#file.subarray(this.offset, end);
    this.number++;
    if (!raw.every((b) => b >= 0x20 && b <= 0x7e)) {
      throw new AgeProblem(
        'UNSUPPORTED',
        this.number === 1
          ? `not an age file: the first line is not "${VERSION_LINE}"`
          : `malformed age header: line ${this.number} has bytes that are not printable ASCII`
      );
    }
    this.offset = end + 1;
    return Buffer.from(raw).toString('latin1');
  }
}

/** @internal What a header reveals about each recipient, for messages: `X25519`, `ssh-ed25519 tag Ab12Cd`, … */
export function describeStanzas(stanzas: readonly Stanza[]): string[] {
  const out: string[] = [];
  for (const { args } of stanzas) {
    const [type = '', first = ''] = args;
    const tag = /^[A-Za-z0-9+/]{1,16}$/.test(first) ? ` tag ${first}` : '';
    if (type.endsWith('-grease')) {
      continue;
    }
    if (type === 'X25519') {
      out.push('X25519');
    } else if (type === 'ssh-ed25519' || type === 'ssh-rsa' || type === 'p256tag' || type === 'mlkem768p256tag') {
      out.push(`${type}${tag}`);
    } else if (type === 'scrypt') {
      out.push('scrypt (passphrase)');
    } else if (type === 'mlkem768x25519') {
      out.push('mlkem768x25519 (post-quantum)');
    } else {
      out.push(`${/^[\x21-\x7e]{1,40}$/.test(type) ? type : 'unknown'} (unsupported type)`);
    }
  }
  return out;
}

/** @internal Stanza types an identity of ours can open. */
export const SUPPORTED_STANZA_TYPES: ReadonlySet<string> = new Set([
  'X25519',
  'ssh-ed25519',
  'ssh-rsa',
  'scrypt',
  'mlkem768x25519',
]);
