/**
 * Bytes printed one decimal number at a time in a stream (decimal-runs.ts matches them in text): what may still grow
 * into a run is held back until more output or the end of the stream decides it. The byte scans here look backwards
 * from the end of what a stream received (a run's numbers, commas, the separators after a comma, colour codes).
 */
import type { Scrubber } from './scrubber.js';

// An open run longer than this is cut: its first part is matched on its own (a value inside it is still caught).
const MAX_DECIMAL_HOLD = 64 * 1024;

/*
 * Bytes printed one decimal number at a time (decimal-runs.ts) have no fixed form for the automaton, so they are
 * matched on the output the session hands out. A run that reaches the end of that output may go on in the next write
 * (a child process's array read in two pieces): it is held back until it ends. Like a partial value, a held list is
 * not released by an idle pause, only by more output or the end of the stream; a lone number at the end (nothing
 * printed after it yet) is.
 */
/** @internal The decimal-run hold-back of one output stream, applied to what its scan session hands out. */
export class DecimalRunHold {
  readonly #scrubber: Scrubber;
  #held: Buffer | undefined;

  constructor(scrubber: Scrubber) {
    this.#scrubber = scrubber;
  }

  get pending(): number {
    return this.#held?.length ?? 0;
  }

  pass(pieces: Uint8Array[], mode: 'write' | 'idle' | 'end'): Uint8Array[] {
    const held = this.#held;
    if (held === undefined && this.#scrubber.formCount === 0) {
      return pieces;
    }
    if (!hasDigitComma(held, pieces)) {
      // No run of two numbers in reach: everything goes on but a number at the very end, which a comma may follow.
      this.#held = undefined;
      const out = held === undefined ? pieces : [held, ...pieces];
      return mode === 'write' ? this.#holdTrailingNumber(out) : out;
    }
    const bytes = Buffer.concat(held === undefined ? pieces : [held, ...pieces]);
    let cut = bytes.length;
    if (mode !== 'end') {
      const open = openRunStart(bytes, MAX_DECIMAL_HOLD);
      cut = mode === 'idle' && !open.list ? bytes.length : open.start;
    }
    // A copy: the bytes may be a view of the caller's chunk.
    this.#held = cut < bytes.length ? Buffer.from(bytes.subarray(cut)) : undefined;
    const out = bytes.subarray(0, cut);
    const edits = this.#scrubber.decimalEdits(out.toString('latin1'));
    if (edits.length === 0) {
      return out.length === 0 ? [] : [out];
    }
    const parts: Uint8Array[] = [];
    let pos = 0;
    for (const edit of edits) {
      // The rewritten run is the run's own bytes (Latin-1) and the labels (UTF-8).
      parts.push(out.subarray(pos, edit.start), Buffer.from(edit.text, 'utf8'));
      pos = edit.end;
    }
    parts.push(out.subarray(pos));
    return parts;
  }

  #holdTrailingNumber(pieces: Uint8Array[]): Uint8Array[] {
    const last = pieces.findLastIndex((piece) => piece.length > 0);
    const piece = pieces[last];
    if (piece === undefined) {
      return pieces;
    }
    const start = trailingNumberStart(piece);
    if (start === piece.length) {
      return pieces;
    }
    if (start === 0 && last > 0) {
      // The number may have begun in an earlier piece: looked for in them all.
      const bytes = Buffer.concat(pieces);
      const from = trailingNumberStart(bytes);
      this.#held = Buffer.from(bytes.subarray(from));
      return [bytes.subarray(0, from)];
    }
    this.#held = Buffer.from(piece.subarray(start));
    return [...pieces.slice(0, last), piece.subarray(0, start)];
  }
}

// Whether a comma follows a digit (or a colour code) anywhere in `held` and `pieces`, read as one stream.
function hasDigitComma(held: Uint8Array | undefined, pieces: readonly Uint8Array[]): boolean {
  let previous: number | undefined;
  for (const piece of held === undefined ? pieces : [held, ...pieces]) {
    if (piece.length > 0) {
      if (hasDigitCommaIn(piece, previous)) {
        return true;
      }
      previous = piece[piece.length - 1];
    }
  }
  return false;
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
function hasDigitCommaIn(bytes: Uint8Array, previous: number | undefined): boolean {
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
function trailingNumberStart(bytes: Uint8Array): number {
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
