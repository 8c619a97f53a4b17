import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stripEscapes } from '../../../src/scrub/forms.js';
import { deriveForms, Scrubber, ScrubbingWriter } from '../../../src/scrub/index.js';

// Characters of values: ASCII with the ones encoders care about, and some multi-byte ones.
const VALUE_CHARS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=:@%&"\'<> -_.é✓秘🔑'];
// Filler text: no digits or capitals (so it cannot spell a form by chance), no ESC of its own.
const FILLER_CHARS = [...'abcdefghijklmnopqrstuvwxyz ,;!?()[]{}\n\t✓❯…→漢字😀👩‍👧é\u0301.'];
const SEQUENCES = [
  '\x1b[7m',
  '\x1b[27m',
  '\x1b[31m',
  '\x1b[39m',
  '\x1b[38;5;196m',
  '\x1b]8;;https://x.test/\x1b\\',
  '\x1b]0;t\x07',
];

const valueArb = fc
  .array(fc.constantFrom(...VALUE_CHARS), { minLength: 6, maxLength: 24 })
  .map((chars) => `CANARY_${chars.join('')}`);
// Long enough, at times, for the matcher's skip mode (inputs of 256 bytes and more).
const fillerArb = fc.array(fc.constantFrom(...FILLER_CHARS), { maxLength: 160 }).map((chars) => chars.join(''));
const sequenceArb = fc.constantFrom(...SEQUENCES);

/** A piece of output: filler, or some form of some value, possibly coloured between characters. */
const pieceArb = fc.oneof(
  { arbitrary: fillerArb.map((text) => ({ text, form: -1, value: -1, colour: [] as string[] })), weight: 2 },
  {
    arbitrary: fc.record({
      text: fc.constant(''),
      form: fc.nat(),
      value: fc.nat(),
      colour: fc.array(fc.option(sequenceArb, { nil: '' }), { maxLength: 12 }).map((xs) => xs.map((x) => x ?? '')),
    }),
    weight: 1,
  }
);

function render(
  pieces: readonly { text: string; form: number; value: number; colour: readonly string[] }[],
  forms: readonly string[][]
): string {
  return pieces
    .map((piece) => {
      if (piece.form < 0) {
        return piece.text;
      }
      const options = forms[piece.value % forms.length]!;
      const chars = [...options[piece.form % options.length]!];
      return chars
        .map((c, i) => (i > 0 ? (piece.colour[i % Math.max(1, piece.colour.length)] ?? '') : '') + c)
        .join('');
    })
    .join('');
}

function splitBytes(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(last, p));
    last = p;
  }
  chunks.push(bytes.subarray(last));
  return chunks;
}

function throughWriter(scrubber: Scrubber, chunks: readonly Buffer[]): Buffer {
  const out: Buffer[] = [];
  const writer = new ScrubbingWriter(scrubber, (chunk) => out.push(Buffer.from(chunk)), { idleFlushMs: 0 });
  for (const chunk of chunks) {
    writer.write(chunk);
  }
  writer.flush();
  return Buffer.concat(out);
}

describe('Scrubber properties', () => {
  it('leaves no registered form in the visible output, however the text is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(valueArb, { minLength: 1, maxLength: 4 }),
        fc.array(pieceArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (values, pieces, cuts) => {
          const scrubber = new Scrubber();
          for (const [i, value] of values.entries()) {
            scrubber.add(value, `S${i}`);
          }
          const forms = values.map((value) => deriveForms(value, 6));
          const text = render(pieces, forms);
          const whole = scrubber.scrub(text);
          // Chunking changes nothing: no prefix goes out before it is known not to be a value.
          expect(throughWriter(scrubber, splitBytes(Buffer.from(text), cuts)).toString('utf8')).toBe(whole);
          const visible = stripEscapes(whole);
          for (const form of forms.flat()) {
            expect(visible.includes(form), `a form of a value survived in ${JSON.stringify(visible)}`).toBe(false);
          }
          // The raw-like forms start with it and the filler cannot spell it: none of it may be left.
          expect(visible).not.toContain('CANARY');
        }
      ),
      { numRuns: 300 }
    );
  });

  it('passes text without values through byte-identical, however it is cut', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(valueArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.oneof(fillerArb, sequenceArb), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (values, parts, cuts) => {
          const scrubber = new Scrubber();
          for (const [i, value] of values.entries()) {
            scrubber.add(value, `S${i}`);
          }
          const text = parts.join('');
          const bytes = Buffer.from(text);
          expect(throughWriter(scrubber, splitBytes(bytes, cuts)).equals(bytes)).toBe(true);
          expect(scrubber.scrub(text)).toBe(text);
        }
      ),
      { numRuns: 300 }
    );
  });
});
