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

/** @internal A run of decimal bytes: where it is in the searched text, where each number is, and the bytes. */
export interface NumberRun {
  readonly start: number;
  readonly end: number;
  /** `[start, end)` of each number in the searched text. */
  readonly numbers: readonly (readonly [number, number])[];
  readonly bytes: Buffer;
}

// A colour code or a number, to find the numbers of a run (a colour code's parameters are digits too).
// biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are the point
const NUMBER_OR_COLOUR = /\x1b\[[0-9;]*m|\d{1,3}/g;

/**
 * @internal The runs of at least `minBytes` decimal bytes in `text` (numbers over 255 make no run). Only ASCII takes
 * part in a run, so a Latin-1 string of bytes gives byte offsets.
 */
export function numberRuns(text: string, minBytes: number): NumberRun[] {
  // Most text has no `<digit>,` at all: one cheap test before the run pattern.
  if (!DIGIT_COMMA.test(text)) {
    return [];
  }
  const found: NumberRun[] = [];
  for (const match of text.matchAll(runPattern(minBytes))) {
    const numbers: [number, number][] = [];
    const bytes: number[] = [];
    for (const part of match[0].matchAll(NUMBER_OR_COLOUR)) {
      if (part[0].charCodeAt(0) !== 0x1b) {
        numbers.push([match.index + part.index, match.index + part.index + part[0].length]);
        bytes.push(Number(part[0]));
      }
    }
    if (bytes.every((b) => b <= 255)) {
      found.push({ start: match.index, end: match.index + match[0].length, numbers, bytes: Buffer.from(bytes) });
    }
  }
  return found;
}

/** @internal A value's bytes inside a run: numbers `[first, last)` of the run, and the replacement's index. */
export interface RunMatch {
  readonly first: number;
  readonly last: number;
  readonly name: number;
}

/**
 * @internal The matches in a run's bytes, from the scrubber's output instructions for them (`ops`: `[from, to]` copies
 * bytes, `[-1, name]` replaces what no copy covers up to the next copy).
 */
export function runMatches(ops: readonly number[], count: number): RunMatch[] {
  const matches: RunMatch[] = [];
  let pos = 0;
  for (let o = 0; o < ops.length; o += 2) {
    if (ops[o] === -1) {
      let end = count;
      for (let n = o + 2; n < ops.length; n += 2) {
        if (ops[n] !== -1) {
          end = Math.max(pos, ops[n]!);
          break;
        }
      }
      matches.push({ first: pos, last: Math.max(pos + 1, end), name: ops[o + 1]! });
    } else {
      pos = ops[o + 1]!;
    }
  }
  return matches;
}

/**
 * @internal `run`'s text with the numbers of each match replaced by `replacement(match)`: the numbers around it, and
 * the separators between them, stay as printed (a harmless byte is never turned into a character).
 */
export function rewriteRun(
  text: string,
  run: NumberRun,
  matches: readonly RunMatch[],
  replacement: (match: RunMatch) => string
): string {
  let out = '';
  let pos = run.start;
  for (const match of matches) {
    out += text.slice(pos, run.numbers[match.first]![0]) + replacement(match);
    pos = run.numbers[match.last - 1]![1];
  }
  return out + text.slice(pos, run.end);
}

/** @internal A rewrite of `text`: `[start, end)` becomes `text`. */
export interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** @internal `text` with `edits` (in order, not overlapping) applied; `text` itself when there are none. */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  if (edits.length === 0) {
    return text;
  }
  let out = '';
  let pos = 0;
  for (const edit of edits) {
    out += text.slice(pos, edit.start) + edit.text;
    pos = edit.end;
  }
  return out + text.slice(pos);
}

/** @internal What separates a run's first two numbers (`, `, `,\n    `…), to print other bytes in the same layout. */
export function runSeparator(text: string, run: NumberRun): string {
  const [first, second] = run.numbers;
  return first === undefined || second === undefined ? ',' : text.slice(first[1], second[0]).replace(COLOUR, '');
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
