/**
 * Bytes printed as decimal numbers, one per line or in aligned columns: `console.log` of a `Uint8Array`, a Buffer in
 * a Jest diff (`+     83,` per line) or thrown. The separators depend on the printer (padding, indentation, diff
 * markers, colours), so no fixed form matches them: a run of such numbers is decoded and scrubbed as text instead.
 */

// A colour code (the automaton skips escapes; this matcher must too). Each character of a run has one way to match:
// codes before a number's first digit or before a comma, then after the comma spaces, line breaks, a diff's `+`/`-`
// markers and codes; a number is bare digits. No ambiguity, so no backtracking blow-up on a long run that fails.
const SGR = '\\x1b\\[[0-9;]*m';
const runs = new Map<number, RegExp>();

function runPattern(minBytes: number): RegExp {
  let pattern = runs.get(minBytes);
  if (pattern === undefined) {
    const more = Math.max(1, minBytes - 1);
    pattern = new RegExp(
      `(?<![\\d.])(?:${SGR})*\\d{1,3}(?:(?:${SGR})*,(?:[ \\t\\r\\n+-]|${SGR})*\\d{1,3}){${more},}(?![\\d.])`,
      'g'
    );
    runs.set(minBytes, pattern);
  }
  return pattern;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are the point
const COLOUR = /\x1b\[[0-9;]*m/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are the point
const DIGIT_COMMA = /\d(?:\x1b\[[0-9;]*m)*,/;

/** @internal A run of decimal bytes whose text holds a value. Offsets index the searched string. */
export interface DecimalRun {
  readonly start: number;
  readonly end: number;
  /** The text the run's bytes decode to (UTF-8). */
  readonly decoded: string;
  /** The run's text with its values redacted (what `scrubText` made of it). */
  readonly redacted: string;
  /** What separates the run's first two numbers (`, `, `,\n    `…), to print other bytes in the same layout. */
  readonly separator: string;
}

/**
 * @internal The runs of at least `minBytes` decimal bytes in `text` whose decoded text `scrubText` changes. Only ASCII
 * takes part in a run, so a Latin-1 string of bytes gives byte offsets.
 */
export function decimalRuns(
  text: string,
  minBytes: number,
  scrubText: (decoded: string) => string
): readonly DecimalRun[] {
  // Most text has no `<digit>,` at all: one cheap test before the run pattern.
  if (!DIGIT_COMMA.test(text)) {
    return [];
  }
  const found: DecimalRun[] = [];
  for (const match of text.matchAll(runPattern(minBytes))) {
    const plain = match[0].replace(COLOUR, '');
    const bytes = plain.match(/\d{1,3}/g)?.map(Number) ?? [];
    if (bytes.some((b) => b > 255)) {
      continue;
    }
    const decoded = Buffer.from(bytes).toString('utf8');
    const redacted = scrubText(decoded);
    if (redacted !== decoded) {
      const separator = /^\d+(,[^\d]*)\d/.exec(plain)?.[1] ?? ',';
      found.push({ start: match.index, end: match.index + match[0].length, decoded, redacted, separator });
    }
  }
  return found;
}

/**
 * @internal Scrubs each run of at least `minBytes` decimal bytes as the text it decodes to; `text` itself when no run
 * holds a value.
 */
export function scrubDecimalRuns(text: string, minBytes: number, scrubText: (decoded: string) => string): string {
  const found = decimalRuns(text, minBytes, scrubText);
  if (found.length === 0) {
    return text;
  }
  let out = '';
  let pos = 0;
  for (const run of found) {
    out += text.slice(pos, run.start) + run.redacted;
    pos = run.end;
  }
  return out + text.slice(pos);
}

/** @internal `text` as decimal bytes (its UTF-8), separated as a run printed them. */
export function asDecimalBytes(text: string, separator: string): string {
  return [...Buffer.from(text, 'utf8')].join(separator);
}

const COMMA = 0x2c;
const ESC = 0x1b;

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

// What may follow a run's comma: spaces, line breaks, a diff's markers.
function isSeparator(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a || b === 0x2b || b === 0x2d;
}

// Start of the colour code whose final `m` is at `end - 1`, or -1.
function colourStart(bytes: Uint8Array, end: number): number {
  if (bytes[end - 1] !== 0x6d) {
    return -1;
  }
  let i = end - 2;
  while (i > 0 && (isDigit(bytes[i]) || bytes[i] === 0x3b)) {
    i--;
  }
  return i > 0 && bytes[i] === 0x5b && bytes[i - 1] === ESC ? i - 1 : -1;
}

// Start of an escape sequence cut off at `end` (ESC, `ESC [`, `ESC [ 3 3`…), or `end`.
function cutEscapeStart(bytes: Uint8Array, end: number): number {
  let i = end - 1;
  while (i >= 0 && end - i < 32 && (isDigit(bytes[i]) || bytes[i] === 0x3b)) {
    i--;
  }
  if (i >= 1 && bytes[i] === 0x5b && bytes[i - 1] === ESC) {
    return i - 1;
  }
  return bytes[end - 1] === ESC ? end - 1 : end;
}

/**
 * @internal Whether `bytes` (the next bytes of a stream, the byte before them being `previous`) have a comma after a
 * digit or a colour code: without one, no run of two numbers or more is in them. One `indexOf` per comma.
 */
export function hasDigitComma(bytes: Uint8Array, previous: number | undefined): boolean {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = buf.indexOf(COMMA); at >= 0; at = buf.indexOf(COMMA, at + 1)) {
    const before = at === 0 ? previous : buf[at - 1];
    if (isDigit(before) || before === 0x6d) {
      return true;
    }
  }
  return false;
}

/**
 * @internal Where the number at the end of `bytes` begins (its digits and any colour codes after them, or an escape
 * sequence cut off there), when `bytes` end inside one; `bytes.length` otherwise.
 */
export function trailingNumberStart(bytes: Uint8Array): number {
  let i = cutEscapeStart(bytes, bytes.length);
  while (colourStart(bytes, i) >= 0) {
    i = colourStart(bytes, i);
  }
  if (!isDigit(bytes[i - 1])) {
    return bytes.length;
  }
  while (isDigit(bytes[i - 1])) {
    i--;
  }
  return i;
}

/**
 * @internal Where a run of decimal bytes that may go on in the stream's next bytes begins at the end of `bytes` (its
 * numbers, commas, separators after a comma, colour codes), looking back at most `limit` bytes; `bytes.length` when
 * the end is not inside one. `list`: the open run has a comma (a lone number at the end has none yet).
 */
export function openRunStart(bytes: Uint8Array, limit: number): { start: number; list: boolean } {
  const none = { start: bytes.length, list: false };
  let i = cutEscapeStart(bytes, bytes.length);
  let separated = false;
  for (;;) {
    const colour = colourStart(bytes, i);
    if (colour >= 0) {
      i = colour;
    } else if (isSeparator(bytes[i - 1])) {
      separated = true;
      i--;
    } else {
      break;
    }
  }
  const last = bytes[i - 1];
  // After a number, only a colour code or a comma goes on with the run: a line break there ends it. A comma goes on
  // with one only after a number.
  if (last === COMMA) {
    let k = i - 1;
    while (colourStart(bytes, k) >= 0) {
      k = colourStart(bytes, k);
    }
    if (!isDigit(bytes[k - 1])) {
      return none;
    }
  } else if (!isDigit(last) || separated) {
    return none;
  }
  const floor = Math.max(0, bytes.length - limit);
  let list = false;
  let start = i;
  for (let j = i; j > floor; ) {
    const b = bytes[j - 1];
    if (isDigit(b) || b === COMMA) {
      list ||= b === COMMA;
      j--;
      start = j;
      continue;
    }
    const colour = colourStart(bytes, j);
    if (colour >= 0) {
      j = colour;
      continue;
    }
    // Separators belong to the run only after a comma (colour codes may sit between).
    let k = j;
    while (k > floor && (isSeparator(bytes[k - 1]) || colourStart(bytes, k) >= 0)) {
      k = colourStart(bytes, k) >= 0 ? colourStart(bytes, k) : k - 1;
    }
    if (k < j && bytes[k - 1] === COMMA) {
      j = k;
      continue;
    }
    break;
  }
  return { start, list };
}
