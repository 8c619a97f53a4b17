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

/**
 * @internal Scrubs each run of at least `minBytes` decimal bytes as the text it decodes to; `text` itself when no run
 * holds a value.
 */
export function scrubDecimalRuns(text: string, minBytes: number, scrubText: (decoded: string) => string): string {
  // Most text has no `<digit>,` at all: one cheap test before the run pattern.
  if (!DIGIT_COMMA.test(text)) {
    return text;
  }
  return text.replace(runPattern(minBytes), (match) => {
    const bytes =
      match
        .replace(COLOUR, '')
        .match(/\d{1,3}/g)
        ?.map(Number) ?? [];
    if (bytes.some((b) => b > 255)) {
      return match;
    }
    const decoded = Buffer.from(bytes).toString('utf8');
    const scrubbed = scrubText(decoded);
    return scrubbed === decoded ? match : scrubbed;
  });
}
