import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { openRunStart } from '../../../src/scrub/decimal-hold.js';
import { Scrubber, ScrubbingWriter } from '../../../src/scrub/index.js';

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

  it('replaces only the numbers of the value: harmless bytes around it stay numbers, never characters', () => {
    const framed = JSON.stringify([0, 0, 0, 27, 10, 13, 7, ...BYTES, 1, 2, 3, 200, 201, 27, 91, 50, 74]);
    expect(scrubber().scrub(`framed ${framed}`)).toBe(
      'framed [0,0,0,27,10,13,7,[redacted:API_TOKEN],1,2,3,200,201,27,91,50,74]'
    );
    expect(scrubber().scrub(`${BYTES.join(',')},65,66,67,68`)).toBe('[redacted:API_TOKEN],65,66,67,68');
    const diff = [...[122, 122].map((b) => `-     ${b},`), ...BYTES.map((b) => `+     ${b},`)].join('\n');
    expect(scrubber().scrub(diff)).toBe('-     122,\n-     122,\n+     [redacted:API_TOKEN],');
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

describe('bytes printed one decimal number at a time, through a stream', () => {
  const printed = `log ${inspect(new TextEncoder().encode(SECRET), { colors: true })} done\n`;
  // The stream keeps the colour code before the run (a string scrub replaces it with the run): compared without them.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are part of what is printed
  const plain = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '');
  const whole = plain(scrubber().scrub(printed));

  function through(s: Scrubber, chunks: readonly string[], idleFlushMs = 0): { out: string; writer: ScrubbingWriter } {
    const out: Buffer[] = [];
    const writer = new ScrubbingWriter(s, (chunk) => out.push(Buffer.from(chunk)), { idleFlushMs });
    for (const chunk of chunks) {
      writer.write(chunk);
    }
    return {
      get out() {
        return Buffer.concat(out).toString('utf8');
      },
      writer,
    };
  }

  it('redacts a logged array split at every position across two writes (a child process read in two pieces)', () => {
    expect(whole).toContain('[redacted:API_TOKEN]');
    for (let at = 0; at <= printed.length; at++) {
      const { out, writer } = through(scrubber(), [printed.slice(0, at), printed.slice(at)]);
      writer.flush();
      expect(unspaced(out)).not.toContain(BYTES.join(','));
      expect(plain(out)).toBe(whole);
    }
  });

  it('redacts it written one byte at a time, and a Buffer one number per line with diff markers', () => {
    const { out, writer } = through(scrubber(), [...printed]);
    writer.flush();
    expect(plain(out)).toBe(whole);
    const diff = `    "data": Array [\n${BYTES.map((b) => `+     ${b},`).join('\n')}\n    ],\n`;
    const lines = diff.split(/(?<=\n)/);
    const split = through(scrubber(), lines);
    split.writer.flush();
    expect(unspaced(split.out)).not.toContain(BYTES.join(','));
    expect(split.out).toContain('[redacted:API_TOKEN]');
  });

  it('passes harmless numbers on verbatim, split anywhere', () => {
    const harmless = `${inspect(new TextEncoder().encode('harmless-CANARY-bytes'), { colors: true })}\n1, 2, 3, 4, 5, 6, 7, 8 and 1.2.3, 4.5.6\n`;
    for (let at = 0; at <= harmless.length; at++) {
      const { out, writer } = through(scrubber(), [harmless.slice(0, at), harmless.slice(at)]);
      writer.flush();
      expect(out).toBe(harmless);
    }
  });

  it('holds a list that reaches the end of a write until it ends, and releases a lone number on idle', () => {
    vi.useFakeTimers();
    try {
      const list = through(scrubber(), [`bytes ${BYTES.slice(0, 5).join(', ')},`], 50);
      expect(list.out).toBe('bytes ');
      vi.advanceTimersByTime(60_000);
      expect(list.out).toBe('bytes ');
      list.writer.write(` ${BYTES.slice(5).join(', ')}\nnext line\n`);
      expect(list.out).toBe('bytes [redacted:API_TOKEN]\nnext line\n');

      const lone = through(scrubber(), ['progress 42'], 50);
      expect(lone.out).toBe('progress ');
      vi.advanceTimersByTime(50);
      expect(lone.out).toBe('progress 42');
      // A number followed by a line break ends there: nothing is held.
      expect(through(scrubber(), ['total: 42\n'], 50).out).toBe('total: 42\n');
    } finally {
      vi.useRealTimers();
    }
  });

  it('passes everything through at once while no value is registered', () => {
    const { out } = through(new Scrubber(), [`${BYTES.slice(0, 5).join(', ')},`]);
    expect(out).toBe(`${BYTES.slice(0, 5).join(', ')},`);
  });
});

describe(openRunStart.name, () => {
  const start = (text: string) => openRunStart(Buffer.from(text, 'latin1'), 1024);

  it('finds the run that may go on at the end, and says whether it is a list yet', () => {
    expect(start('a 83, 69,')).toEqual({ start: 2, list: true });
    expect(start('a 83, 69, \n  ')).toEqual({ start: 2, list: true });
    expect(start('x\n+     83,\n+     69')).toEqual({ start: 8, list: true });
    expect(start('n 42')).toEqual({ start: 2, list: false });
    expect(start('c \x1b[33m83\x1b[39m,\x1b[33m69\x1b[39m')).toEqual({ start: 7, list: true });
    expect(start('c 83, 69\x1b[3')).toEqual({ start: 2, list: true });
  });

  it('finds none where the end cannot go on with a run', () => {
    for (const text of ['done\n', '83, 69\n', 'n 42 ', 'a, b,', '']) {
      expect(start(text)).toEqual({ start: text.length, list: false });
    }
  });

  it('looks back no further than its limit', () => {
    const long = Array.from({ length: 2000 }, () => '7').join(', ');
    expect(openRunStart(Buffer.from(`${long},`), 100).start).toBeGreaterThanOrEqual(long.length + 1 - 100);
  });
});
