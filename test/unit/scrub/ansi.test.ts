import { describe, expect, it } from 'vitest';
import { Scrubber } from '../../../src/scrub/index.js';

const SECRET = 'CANARY_S3cr3tValue42';

function scrubber(): Scrubber {
  const s = new Scrubber();
  s.add(SECRET, 'DB');
  return s;
}

const SEQUENCES = [
  ['inverse on', '\x1b[7m'],
  ['inverse off', '\x1b[27m'],
  ['red', '\x1b[31m'],
  ['default colour', '\x1b[39m'],
  ['truecolour', '\x1b[38;2;255;0;0m'],
  ['hyperlink (ST)', '\x1b]8;;https://example.test/\x1b\\'],
  ['window title (BEL)', '\x1b]0;title\x07'],
  ['charset', '\x1b(B'],
  ['save cursor', '\x1b7'],
] as const;

describe('Scrubber escape sequences', () => {
  describe.each(SEQUENCES)('%s', (_label, seq) => {
    it('matches the value with the sequence between any two characters, and keeps it after the replacement', () => {
      const s = scrubber();
      for (let at = 1; at < SECRET.length; at++) {
        const text = `x ${SECRET.slice(0, at)}${seq}${SECRET.slice(at)} y`;
        expect(s.scrub(text)).toBe(`x [redacted:DB]${seq} y`);
      }
    });

    it('matches the value with the sequence between every pair of characters', () => {
      const text = `>${[...SECRET].join(seq)}<`;
      expect(scrubber().scrub(text)).toBe(`>[redacted:DB]${seq.repeat(SECRET.length - 1)}<`);
    });
  });

  it('keeps the colours around a coloured character diff (vitest/jest style)', () => {
    const text = `\x1b[32m- Expected\x1b[39m\n\x1b[31m+ Received\x1b[39m\n\n\x1b[31m+ "postgres://u:${SECRET.slice(0, 18)}\x1b[7m4\x1b[27m2@db/x"\x1b[39m`;
    expect(scrubber().scrub(text)).toBe(
      '\x1b[32m- Expected\x1b[39m\n\x1b[31m+ Received\x1b[39m\n\n\x1b[31m+ "postgres://u:[redacted:DB]\x1b[7m\x1b[27m@db/x"\x1b[39m'
    );
  });

  it('redacts a value hidden in a hyperlink target, keeping the sequence', () => {
    const text = `\x1b]8;;https://x.test/?token=${SECRET}\x1b\\link\x1b]8;;\x1b\\`;
    expect(scrubber().scrub(text)).toBe('\x1b]8;;https://x.test/?token=[redacted:DB]\x1b\\link\x1b]8;;\x1b\\');
  });

  it('redacts a hyperlink target inside a coloured value', () => {
    const text = `${SECRET.slice(0, 5)}\x1b]8;;${SECRET}\x07${SECRET.slice(5)}`;
    expect(scrubber().scrub(text)).toBe('[redacted:DB]\x1b]8;;[redacted:DB]\x07');
  });

  it('treats the bytes of an interrupted sequence as skipped and the interrupting byte as text', () => {
    // ESC [ 3 then a newline or a non-ASCII byte: the CSI is abandoned, the byte is text.
    expect(scrubber().scrub(`a\x1b[3\n${SECRET}`)).toBe('a\x1b[3\n[redacted:DB]');
    expect(scrubber().scrub(`\x1b[3✓${SECRET}`)).toBe('\x1b[3✓[redacted:DB]');
  });

  it('passes text with escape sequences and no value through unchanged', () => {
    const text = '\x1b[1m\x1b[32m ✓ \x1b[39m\x1b[22mtest \x1b]8;;file:///x\x07x\x1b]8;;\x07 \x1b[2K\r\x1b';
    expect(scrubber().scrub(text)).toBe(text);
  });
});
