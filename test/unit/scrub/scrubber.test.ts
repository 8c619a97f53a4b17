import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Scrubber, SecretValue } from '../../../src/scrub/index.js';

const SECRET = 'CANARY_7f3a9c1e';

function scrubberWith(entries: Record<string, string>, options?: ConstructorParameters<typeof Scrubber>[0]): Scrubber {
  const scrubber = new Scrubber(options);
  for (const [name, value] of Object.entries(entries)) {
    expect(scrubber.add(value, name)).toBeUndefined();
  }
  return scrubber;
}

describe(Scrubber.name, () => {
  describe('add', () => {
    it('refuses a value shorter than the minimum with a warning that names the credential only', () => {
      const scrubber = new Scrubber();
      expect(scrubber.add('pin42', 'API_PIN')).toEqual({
        code: 'SECRET_TOO_SHORT',
        name: 'API_PIN',
        minLength: 6,
        message:
          'scrub: credential "API_PIN" is shorter than 6 characters, so it is NOT redacted from output. Use a longer value or lower the scrub minimum length.',
      });
      expect(scrubber.size).toBe(0);
      expect(scrubber.scrub('pin42 stays')).toBe('pin42 stays');
    });

    it('honours a lower minimum, and an empty value is always refused', () => {
      const scrubber = new Scrubber({ minLength: 3 });
      expect(scrubber.add('abc', 'SHORT')).toBeUndefined();
      expect(scrubber.add('', 'EMPTY')?.code).toBe('SECRET_TOO_SHORT');
      expect(scrubber.scrub('xabcx')).toBe('x[redacted:SHORT]x');
    });

    it('redacts a value read with a trailing newline when it is printed without it, and keeps the line breaks', () => {
      // `echo CANARY_… > token.txt`: the value ends in a newline, and a test strips it (.trim(), new Headers()).
      const scrubber = scrubberWith({ API_TOKEN: `${SECRET}\n` });
      expect(scrubber.scrub(`trimmed=${SECRET} end`)).toBe('trimmed=[redacted:API_TOKEN] end');
      expect(scrubber.scrub(`Bearer ${SECRET}`)).toBe('Bearer [redacted:API_TOKEN]');
      expect(scrubber.scrub(`a ${SECRET}\nnext line\n`)).toBe('a [redacted:API_TOKEN]\nnext line\n');
      expect(scrubber.scrub(`${Buffer.from(SECRET).toString('base64')}`)).toBe('[redacted:API_TOKEN]');
      expect(scrubber.scrub(`${Buffer.from(`${SECRET}\n`).toString('base64')}`)).not.toContain(
        Buffer.from(SECRET).toString('base64').slice(0, 16)
      );
      const findings = scrubber.findings(Buffer.from(`x ${SECRET} y`));
      expect(findings.map((f) => f.name)).toEqual(['API_TOKEN']);
      // Leading whitespace (a BOM, an indented value) likewise; harmless text stays verbatim.
      const indented = scrubberWith({ INDENTED: `\uFEFF  ${SECRET}  ` });
      expect(indented.scrub(`[${SECRET}]`)).toBe('[[redacted:INDENTED]]');
      expect(scrubber.scrub('CANARY_7f3a9c1 is a prefix, CANARY_7f3a9c1f another value')).toBe(
        'CANARY_7f3a9c1 is a prefix, CANARY_7f3a9c1f another value'
      );
    });

    it('keeps a value whose core is shorter than the minimum as it is', () => {
      const scrubber = scrubberWith({ PIN: 'abcde\n' });
      expect(scrubber.scrub('pin abcde\n!')).toBe('pin [redacted:PIN]!');
      expect(scrubber.scrub('abcde alone')).toBe('abcde alone');
    });

    it('accepts a SecretValue and keeps the first name of a value added twice', () => {
      const scrubber = new Scrubber();
      scrubber.add(new SecretValue(SECRET, 'db'), 'DB_PASSWORD');
      scrubber.add(SECRET, 'OTHER');
      expect(scrubber.size).toBe(1);
      expect(scrubber.names).toEqual(['DB_PASSWORD']);
      expect(scrubber.scrub(`pw=${SECRET}`)).toBe('pw=[redacted:DB_PASSWORD]');
    });

    it('applies values added after scrubbing started', () => {
      const scrubber = scrubberWith({ FIRST: SECRET });
      expect(scrubber.scrub('CANARY_second_1234')).toBe('CANARY_second_1234');
      scrubber.add('CANARY_second_1234', 'SECOND');
      expect(scrubber.scrub(`${SECRET} CANARY_second_1234`)).toBe('[redacted:FIRST] [redacted:SECOND]');
      expect(scrubber.names).toEqual(['FIRST', 'SECOND']);
    });

    it('does not reveal values through inspect or JSON', async () => {
      const { inspect } = await import('node:util');
      const scrubber = scrubberWith({ DB: SECRET });
      expect(inspect(scrubber)).toBe("Scrubber { size: 1, names: [ 'DB' ] }");
      expect(JSON.stringify(scrubber)).toBe('{}');
    });
  });

  describe('replacement', () => {
    it('uses a template with {name}', () => {
      const scrubber = scrubberWith({ DB: SECRET }, { replacement: '<{name} hidden>' });
      expect(scrubber.scrub(`x ${SECRET} y`)).toBe('x <DB hidden> y');
    });

    it('uses a function of the name', () => {
      const scrubber = scrubberWith({ DB: SECRET }, { replacement: (name) => '*'.repeat(name.length) });
      expect(scrubber.scrub(`x ${SECRET} y`)).toBe('x ** y');
    });
  });

  describe('overlapping values', () => {
    it('redacts a value that is a prefix of another', () => {
      const scrubber = scrubberWith({ SHORT: 'CANARY_abcdef', LONG: 'CANARY_abcdef_longer' });
      expect(scrubber.scrub('a CANARY_abcdef_longer b CANARY_abcdef c')).toBe('a [redacted:LONG] b [redacted:SHORT] c');
    });

    it('redacts the union of self-overlapping values (aba + bac)', () => {
      const scrubber = scrubberWith({ X: 'abacab' }, { minLength: 3 });
      scrubber.add('bacabd', 'Y');
      expect(scrubber.scrub('zzabacabdzz')).toBe('zz[redacted:X]zz');
      expect(scrubber.scrub('ababacababacabd')).toBe('ab[redacted:X][redacted:X]');
    });

    it('leaves nothing of xyzab + abcd in xyzabcd (leftmost-first would leak "cd")', () => {
      const scrubber = scrubberWith({ A: 'CANARY_xyzab', B: 'zab_CANARY_cd' });
      expect(scrubber.scrub('<CANARY_xyzab_CANARY_cd>')).toBe('<[redacted:A]>');
    });

    it('keeps adjacent occurrences apart', () => {
      const scrubber = scrubberWith({ DB: SECRET });
      expect(scrubber.scrub(`${SECRET}${SECRET}`)).toBe('[redacted:DB][redacted:DB]');
    });
  });

  describe('Unicode', () => {
    it('keeps emoji, CJK and combining marks around a value intact', () => {
      const scrubber = scrubberWith({ DB: SECRET });
      expect(scrubber.scrub(`😀${SECRET}漢字 e\u0301${SECRET}\u0301 👩‍👩‍👧`)).toBe(
        '😀[redacted:DB]漢字 e\u0301[redacted:DB]\u0301 👩‍👩‍👧'
      );
    });

    it('redacts values made of non-ASCII characters', () => {
      const scrubber = scrubberWith({ PASS: 'пароль-秘密-🔑-ñ' });
      expect(scrubber.scrub('x пароль-秘密-🔑-ñ y')).toBe('x [redacted:PASS] y');
      expect(scrubber.scrub(encodeURIComponent('пароль-秘密-🔑-ñ'))).toBe('[redacted:PASS]');
      expect(scrubber.scrub(Buffer.from('пароль-秘密-🔑-ñ').toString('base64'))).toBe('[redacted:PASS]');
    });

    it('passes lone surrogates through unchanged', () => {
      const scrubber = scrubberWith({ DB: SECRET });
      expect(scrubber.scrub(`\ud800a${SECRET}\udc00`)).toBe('\ud800a[redacted:DB]\udc00');
    });
  });

  describe('truncation', () => {
    it('redacts a prefix of at least half the value (up to 16 bytes) followed by an ellipsis (chai)', () => {
      const scrubber = scrubberWith({ URL: 'postgres://u:CANARY_pw@db/x' });
      expect(scrubber.scrub("expected 'postgres://u:CANAR…' to equal 'x'")).toBe(
        "expected '[redacted:URL]…' to equal 'x'"
      );
      expect(scrubber.scrub('value postgres://u:CA...')).toBe('value [redacted:URL]...');
    });

    it('finds a cut prefix inside long text that the matcher otherwise skips through', () => {
      const scrubber = scrubberWith({ URL: 'postgres://u:CANARY_pw@db/x', OTHER: 'CANARY_other_value_4e1d' });
      const filler = 'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(3);
      // Every alignment of the prefix against the matcher's skip windows.
      for (let pad = 0; pad < 40; pad++) {
        const lead = filler.slice(0, pad);
        expect(scrubber.scrub(`${lead}'postgres://u:CANAR…'${filler}x CANARY_other_val... y`)).toBe(
          `${lead}'[redacted:URL]…'${filler}x [redacted:OTHER]... y`
        );
      }
    });

    // The skip stops before ellipses only when its window is longer than the shortest cut prefix (8 bytes): with a
    // short value among the patterns the window is short and the 3-gram check finds the prefix's start itself.
    it.each([
      ['only long patterns (the skip stops before each ellipsis)', {}],
      ['a 6-byte value among them (a short skip window, no stops)', { SHORT: 'Zq9xW2' }],
    ])('finds every cut of a long value at every alignment in long text: %s', (_, extra) => {
      const value = 'CANARYcutvalue7Hq2Lm9Rt4Vx8Nb3Kd6Ws';
      const scrubber = scrubberWith({ TOKEN: value, ...extra });
      const filler = 'the quick brown fox jumps over the lazy dog; '.repeat(8);
      for (let keep = Math.ceil(value.length / 2); keep < value.length; keep += 3) {
        for (let pad = 0; pad < 48; pad += 1) {
          for (const dots of ['…', '...']) {
            const text = `${filler.slice(0, pad)}'${value.slice(0, keep)}${dots}'${filler}`;
            const out = scrubber.scrub(text);
            expect(out.includes(value.slice(0, keep)), `keep ${keep}, pad ${pad}, ${dots}`).toBe(false);
            expect(out).toBe(text.replace(value.slice(0, keep), '[redacted:TOKEN]'));
          }
        }
      }
    });

    it('can be turned off', () => {
      const scrubber = scrubberWith(
        { URL: 'postgres://u:CANARY_pw@db/x' },
        { truncatedMinLength: Number.POSITIVE_INFINITY }
      );
      expect(scrubber.scrub('a postgres://u:CANAR… b postgres://u:CANARY_pw@db/x')).toBe(
        'a postgres://u:CANAR… b [redacted:URL]'
      );
    });

    it("redacts util.inspect's cut of a long string: the prefix, then the closing quote, then the ellipsis", () => {
      const value = 'CANARY_cut_by_inspect_5f2a9e7b';
      const scrubber = scrubberWith({ TOKEN: value });
      // Every cut from half the value to all but its last character.
      for (let keep = 15; keep < value.length; keep++) {
        const body = `${'q'.repeat(10_000 - keep)}${value} tail`;
        for (const colors of [false, true]) {
          const printed = inspect({ body }, { colors });
          const out = scrubber.scrub(printed);
          expect(out).not.toContain(value.slice(0, keep));
          expect(out).toContain('[redacted:TOKEN]');
          expect(out).toMatch(/more characters/);
        }
      }
    });

    it("leaves a vendor's public prefix in a hint: a cut prefix counts from half the value", () => {
      const pat = `github_pat_11AQZ7XKY0${'aB3dE5fG7h'.repeat(6)}`;
      const scrubber = scrubberWith({ GH: pat, API_TOKEN: 'SENTINEL_attack2_5c8e1d0f9a' });
      const hints = [
        'Set GITHUB_TOKEN to a fine-grained token (github_pat_...) with contents:read',
        'SENTINEL_... is the sentinel prefix',
        "expected 'github_pat_…' to match",
      ];
      for (const hint of hints) {
        expect(scrubber.scrub(hint)).toBe(hint);
      }
      expect(scrubber.scrub(`token ${pat.slice(0, 16)}... cut`)).toBe('token [redacted:GH]... cut');
      expect(scrubber.scrub('loading SENTINEL_attack2_5... done')).toBe('loading [redacted:API_TOKEN]... done');
    });

    it('leaves a shorter prefix, and a long prefix without an ellipsis', () => {
      const scrubber = scrubberWith({ URL: 'postgres://u:CANARY_pw@db/x' });
      expect(scrubber.scrub('postgre…')).toBe('postgre…');
      expect(scrubber.scrub('connect postgres://u:CANAR')).toBe('connect postgres://u:CANAR');
      expect(scrubber.scrub('postgres://u:CANAR✓')).toBe('postgres://u:CANAR✓');
    });
  });

  describe('scrub', () => {
    it('returns empty and secret-free input unchanged', () => {
      const scrubber = scrubberWith({ DB: SECRET });
      expect(scrubber.scrub('')).toBe('');
      expect(scrubber.scrub('nothing ✓ here')).toBe('nothing ✓ here');
      expect(new Scrubber().scrub(SECRET)).toBe(SECRET);
    });

    it('handles a 20 MB input with values at the start, middle and end', () => {
      const scrubber = scrubberWith({ DB: SECRET });
      const filler = 'log line ✓ with some text and 12345\n'.repeat(280_000);
      const text = `${SECRET}${filler}${SECRET}${filler}${SECRET}`;
      expect(text.length).toBeGreaterThan(20_000_000);
      expect(scrubber.scrub(text)).toBe(`[redacted:DB]${filler}[redacted:DB]${filler}[redacted:DB]`);
      expect(scrubber.scrub(filler + filler)).toBe(filler + filler);
    });
  });

  describe('scrubBuffer', () => {
    it('returns the same buffer when nothing matched, a new one otherwise', () => {
      const scrubber = scrubberWith({ DB: SECRET });
      const clean = Buffer.from('clean ✓');
      expect(scrubber.scrubBuffer(clean)).toBe(clean);
      expect(scrubber.scrubBuffer(new TextEncoder().encode(`a${SECRET}b`)).toString()).toBe('a[redacted:DB]b');
      expect(scrubber.scrubBuffer(Buffer.alloc(0)).length).toBe(0);
    });
  });

  describe('has', () => {
    it('tells whether text contains any form', () => {
      const scrubber = scrubberWith({ DB: SECRET });
      expect(scrubber.has(`x${Buffer.from(SECRET).toString('hex')}x`)).toBe(true);
      expect(scrubber.has(Buffer.from(`x${SECRET}`))).toBe(true);
      expect(scrubber.has('CANARY_7f3a9c1')).toBe(false);
      expect(scrubber.has('')).toBe(false);
    });
  });

  it('counts values and forms', () => {
    const scrubber = scrubberWith({ A: SECRET, B: 'CANARY_other_value' });
    expect(scrubber.size).toBe(2);
    expect(scrubber.formCount).toBeGreaterThan(10);
  });
});
