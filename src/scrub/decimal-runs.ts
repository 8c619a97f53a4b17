import type { OpsMatch } from './scan-session.js';

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

/**
 * @internal `run`'s text with the numbers of each match replaced by `replacement(match)`: the numbers around it, and
 * the separators between them, stay as printed (a harmless byte is never turned into a character).
 */
export function rewriteRun(
  text: string,
  run: NumberRun,
  matches: readonly OpsMatch[],
  replacement: (match: OpsMatch) => string
): string {
  let out = '';
  let pos = run.start;
  for (const match of matches) {
    const [from, to] = runSpan(run, match);
    out += text.slice(pos, from) + replacement(match);
    pos = to;
  }
  return out + text.slice(pos, run.end);
}

/** @internal Where the numbers of `match` (a range of the run's bytes) are in the searched text, `[start, end)`. */
export function runSpan(run: NumberRun, match: OpsMatch): readonly [number, number] {
  return [run.numbers[match.start]![0], run.numbers[Math.max(match.start + 1, match.end) - 1]![1]];
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
