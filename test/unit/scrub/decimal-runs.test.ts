import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Scrubber } from '../../../src/scrub/index.js';

const SECRET = 'CANARY_7f3a9c1e';
const BYTES = [...Buffer.from(SECRET)];

function scrubber(): Scrubber {
  const s = new Scrubber();
  s.add(SECRET, 'API_TOKEN');
  return s;
}

// What must not survive: the value's bytes, however the printer spaced them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are part of what is printed
const unspaced = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '').replace(/,[\s+-]*/g, ',');

describe('bytes printed one decimal number at a time', () => {
  it("redacts Node's inspection of a Uint8Array (aligned columns), plain and coloured", () => {
    for (const colors of [false, true]) {
      const printed = inspect(new TextEncoder().encode(SECRET), { colors });
      const out = scrubber().scrub(`before ${printed} after`);
      expect(unspaced(out)).not.toContain(BYTES.join(','));
      expect(out).toContain('[redacted:API_TOKEN]');
      expect(out).toMatch(/^before Uint8Array\(15\) \[/);
    }
  });

  it('redacts a Buffer printed one byte per line (pretty-format) and in a diff with markers', () => {
    const snapshot = `{\n  "data": [\n${BYTES.map((b) => `    ${b},`).join('\n')}\n  ],\n  "type": "Buffer",\n}`;
    expect(unspaced(scrubber().scrub(snapshot))).not.toContain(BYTES.join(','));
    const diff = [
      '  Object {',
      '    "data": Array [',
      ...[111, 116, 104].map((b) => `-     ${b},`),
      ...BYTES.map((b) => `+     ${b},`),
      '    ],',
    ].join('\n');
    const out = scrubber().scrub(diff);
    expect(unspaced(out)).not.toContain(BYTES.join(','));
    expect(out).toContain('[redacted:API_TOKEN]');
    expect(out.startsWith('  Object {\n    "data": Array [\n')).toBe(true);
  });

  it('leaves a long run that no value is in as it is, coloured or not, also when it ends in a decimal point', () => {
    const long = `${Array.from({ length: 50_000 }, (_, i) => i % 256).join(', ')}.5`;
    expect(scrubber().scrub(long)).toBe(long);
    const coloured = `${Array.from({ length: 20_000 }, (_, i) => `\x1b[33m${i % 256}\x1b[39m`).join(',\n+ ')}.5`;
    expect(scrubber().scrub(coloured)).toBe(coloured);
  });

  it('leaves harmless numbers verbatim: other bytes, lists, versions, numbers over 255', () => {
    const harmless = [
      inspect(new TextEncoder().encode('harmless-CANARY-bytes')),
      '1, 2, 3, 4, 5, 6, 7, 8, 9',
      'version 1.2.3, 4.5.6, 7.8.9, 10.11.12, 13.14.15, 16.17.18',
      BYTES.map((b) => b + 300).join(', '),
      `${BYTES.slice(0, 7).join(', ')} and ${BYTES.slice(7).join(', ')}`,
    ];
    for (const text of harmless) {
      expect(scrubber().scrub(text)).toBe(text);
    }
  });
});
