import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BYTE_ENCODERS, deriveByteForms, ENCODERS, nearMissForms } from '../../../src/scrub/forms.js';
import { deriveForms, Scrubber } from '../../../src/scrub/index.js';

const VALUE = 'CANARY_pa55+word/with?odd&chars "quoted" \'single\' <tag> ✓ ünï';

function scrubberFor(value: string): Scrubber {
  const scrubber = new Scrubber();
  expect(scrubber.add(value, 'TOKEN')).toBeUndefined();
  return scrubber;
}

describe(deriveForms.name, () => {
  it('lists the value and each encoding once', () => {
    const forms = deriveForms(VALUE, 6);
    const expected = [
      VALUE,
      JSON.stringify(VALUE).slice(1, -1),
      encodeURIComponent(VALUE),
      new URLSearchParams([['', VALUE]]).toString().slice(1),
      Buffer.from(VALUE).toString('hex'),
      Buffer.from(VALUE).toString('hex').toUpperCase(),
      Buffer.from(VALUE).toString('base64'),
      Buffer.from(VALUE).toString('base64url'),
      VALUE.replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#39;'),
      VALUE.replace(/'/g, "'\\''"),
    ];
    for (const form of expected) {
      expect(forms).toContain(form);
    }
    expect(new Set(forms).size).toBe(forms.length);
  });

  it('adds percent-encodings with lowercase hex digits and encoded twice', () => {
    const forms = deriveForms('CANARY pa55/wörd', 6);
    expect(forms).toContain('CANARY%20pa55%2Fw%C3%B6rd');
    expect(forms).toContain('CANARY%20pa55%2fw%c3%b6rd');
    expect(forms).toContain('CANARY+pa55%2fw%c3%b6rd');
    expect(forms).toContain('CANARY%2520pa55%252Fw%25C3%25B6rd');
  });

  it('drops forms shorter than the minimum', () => {
    const forms = deriveForms('CANARY', 6);
    expect(forms.every((form) => form.length >= 6)).toBe(true);
    expect(forms).toContain('CANARY');
    // base64("xx" + value) without its three mixed leading characters and partial last one is too short.
    expect(forms).not.toContain('FOQVJZ');
  });

  it('leaves the lines of a multi-line value to the scrubber (which registers only the secret-bearing ones)', () => {
    const forms = deriveForms('  first-line-CANARY\r\n{\n   second-line-CANARY  \n', 6);
    expect(forms).not.toContain('first-line-CANARY');
    const scrubber = scrubberFor('  first-line-CANARY\r\n{\n   second-line-CANARY  \n');
    expect(scrubber.scrub('a first-line-CANARY b second-line-CANARY c {')).toBe(
      'a [redacted:TOKEN] b [redacted:TOKEN] c {'
    );
  });

  it('doubles quotes (SQL, CSV), spells them as numeric references (Go) and percent-encodes per RFC 3986', () => {
    const forms = deriveForms(`Pa'ss "w0rd" (K3y)!*`, 6);
    expect(forms).toContain(`Pa''ss "w0rd" (K3y)!*`);
    expect(forms).toContain(`Pa'ss ""w0rd"" (K3y)!*`);
    expect(forms).toContain('Pa&#39;ss &#34;w0rd&#34; (K3y)!*');
    expect(forms).toContain('Pa&#x27;ss &#x22;w0rd&#x22; (K3y)!*');
    expect(forms).toContain('Pa%27ss%20%22w0rd%22%20%28K3y%29%21%2A');
    // encodeURIComponent's output in a URL's query: the WHATWG parser encodes its `'` again.
    expect(forms).toContain('Pa%27ss%20%22w0rd%22%20(K3y)!*');
  });

  it('lower-cases a value that can be a host name and has a capital (a URL host), and no other', () => {
    expect(deriveForms('CANARY-Host_9.Name', 6)).toContain('canary-host_9.name');
    for (const value of ['canary-host-name', 'CANARY host name', `CANARY-${'h'.repeat(250)}`]) {
      expect(deriveForms(value, 6)).toEqual(deriveForms(value, 6, ['hostLower']));
    }
  });

  it('derives no quote or RFC 3986 form for a value without those characters', () => {
    const quoteForms = ['sql', 'csv', 'rfc3986', 'queryReencoded'];
    for (const value of ['CANARY_plain-token.value~1', 'CANARY pa55/wörd&<x>=%']) {
      expect(deriveForms(value, 6)).toEqual(deriveForms(value, 6, quoteForms));
      expect(deriveForms(value, 6).filter((form) => /&#x?(34|39|22|27);/.test(form))).toEqual([]);
    }
  });

  it('gives the two mojibake forms of a value above ASCII: Latin-1 bytes read as UTF-8, UTF-8 read as Latin-1', () => {
    const value = 'CANARY-4f2a9c-éàüñ';
    const forms = deriveForms(value, 6);
    expect(forms).toContain('CANARY-4f2a9c-\ufffd\ufffd\ufffd\ufffd');
    expect(forms).toContain(Buffer.from(value, 'latin1').toString('utf8'));
    expect(forms).toContain('CANARY-4f2a9c-\u00c3\u00a9\u00c3\u00a0\u00c3\u00bc\u00c3\u00b1');
    // Beyond Latin-1 there are no Latin-1 bytes to misread; an ASCII value reads the same every way.
    expect(deriveForms('CANARY-秘密-é', 6)).not.toContain(Buffer.from('CANARY-秘密-é', 'latin1').toString('utf8'));
    expect(deriveForms('CANARY-秘密-é', 6)).toContain(Buffer.from('CANARY-秘密-é', 'utf8').toString('latin1'));
    expect(ENCODERS['mojibake']?.('CANARY-ascii')).toEqual([]);
  });

  it("redacts a Latin-1 tool's output of a value read as UTF-8, whole", () => {
    const value = 'CANARY-4f2a9c-éàüñ';
    const misread = Buffer.from(value, 'latin1').toString('utf8');
    expect(scrubberFor(value).scrub(`tool says: ${misread}`)).toBe('tool says: [redacted:TOKEN]');
  });

  it.each([
    'Cabc123$!\nZdef456#',
    'CANARY:tok,en%41-9f8e7d6c5b4a',
    'postgres://app:CANARY%40pw%2Fabcdef-SENTINEL@db.internal:5432/app',
  ])(
    'redacts %j in a GitHub Actions workflow command, escaped as @actions/core and both runners escape it',
    (value) => {
      // Vitest adds its github-actions reporter on Actions by default; a test of an action prints through core.error().
      const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
      const property = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
      const harmless = 'harmless: 100%, fine\nsecond line';
      const scrubber = scrubberFor(value);
      expect(scrubber.scrub(`::error title=${property(value)}::${data(value)}`)).toBe(
        '::error title=[redacted:TOKEN]::[redacted:TOKEN]'
      );
      expect(scrubber.scrub(`::error title=${property(harmless)}::${data(harmless)}`)).toBe(
        `::error title=${property(harmless)}::${data(harmless)}`
      );
    }
  );

  it('redacts a near miss of a value (one to four characters lost or changed at either end), not a farther one', () => {
    const value = 'CANARY-e07b605ecedee8434aa6-SENTINEL';
    const scrubber = scrubberFor(value);
    // A failed comparison's diff: the value itself redacted, the near miss beside it too.
    expect(scrubber.scrub(`Expected: "${value}"\nReceived: "${value.slice(0, -3)}ZZZ"`)).toBe(
      'Expected: "[redacted:TOKEN]"\nReceived: "[redacted:TOKEN]ZZZ"'
    );
    expect(scrubber.scrub(`cut to 32: ${value.slice(0, 32)}|`)).toBe('cut to 32: [redacted:TOKEN]|');
    expect(scrubber.scrub(`first lost: X${value.slice(4)}`)).toBe('first lost: X[redacted:TOKEN]');
    // Five lost is no near miss; and a short value has none.
    expect(scrubber.scrub(`cut to 31: ${value.slice(0, 31)}|`)).toBe(`cut to 31: ${value.slice(0, 31)}|`);
    expect(nearMissForms('CANARY-short-9f8e7d')).toEqual([]);
    // A guess: redacted where it is printed, never a file scan's finding.
    expect(scrubber.findings(Buffer.from(`${value.slice(0, -3)}ZZZ`))).toEqual([]);
    // Whole code points: no form ends in half of an astral character.
    expect(nearMissForms(`CANARY-${'k3'.repeat(8)}-🔑`).every((form) => Buffer.from(form).toString() === form)).toBe(
      true
    );
  });

  it('redacts a near miss of a value with quotes as both runners print it: JSON-escaped and util.inspect-escaped', () => {
    const value = `CANARY-3f6706baed0625df6268-%41:a,b"q'x-SENTINEL`;
    const scrubber = scrubberFor(value);
    const miss = value.slice(0, -3);
    expect(scrubber.scrub(`Received: ${JSON.stringify(miss)}`)).toBe('Received: "[redacted:TOKEN]"');
    expect(scrubber.scrub(`expected ${inspect(miss)} to be`)).toBe('expected `[redacted:TOKEN]` to be');
    // Vitest's message quotes with ' and escapes it.
    expect(scrubber.scrub(`expected '${miss.replace(/'/g, "\\'")}' to be`)).toBe("expected '[redacted:TOKEN]' to be");
  });

  it.each([
    // The secret is the last few characters of a public frame: a cut leaves the frame, which is no near miss. And a
    // passphrase of one character class: what a cut leaves is words.
    ['correcthorsebatterystaple42', 'correcthorsebatterystaple'],
    ['DATABASE_PASSWORD=pw12', 'DATABASE_PASSWORD=changeme'],
    ['https://hooks.slack.com/services/T000/B000/XXXX', 'https://hooks.slack.com/services/T000/B000/YYYY'],
    [
      'Server=db.internal;Database=app;User Id=app;Password=k9Q2',
      'Server=db.internal;Database=app;User Id=app;Password=****',
    ],
    ['postgres://app:pw@db.internal:5432/app', 'postgres://app:***@db.internal:5432/ap'],
  ])('registers no near miss of %j, whose frame is public: %j prints as it is', (value, harmless) => {
    expect(scrubberFor(value).scrub(harmless)).toBe(harmless);
  });

  it('gives the lines of the hex that `xxd -p` wraps at 60 columns, from the first byte', () => {
    const value = 'CANARY-hexwrap-0123456789abcdef-0123456789abcdef';
    const hex = Buffer.from(value, 'utf8').toString('hex');
    const forms = deriveForms(value, 6);
    expect(forms).toContain(hex.slice(0, 60));
    expect(forms).toContain(hex.slice(60));
    expect(scrubberFor(value).scrub(`dump:\n${hex.slice(0, 60)}\n${hex.slice(60)}\n`)).toBe(
      'dump:\n[redacted:TOKEN]\n[redacted:TOKEN]\n'
    );
  });

  it('strips escape sequences from the forms, as the matcher skips them in text', () => {
    expect(deriveForms('CANARY_\x1b[31mred\x1b[0m', 6)).toContain('CANARY_red');
  });
});

describe(deriveByteForms.name, () => {
  const latin1Of = (text: string) => deriveByteForms(text, 6).filter((b) => isLatin1Form(b, text));
  const isLatin1Form = (bytes: Uint8Array, text: string) =>
    [text.normalize('NFC'), text.normalize('NFD')].some((t) => Buffer.from(t, 'latin1').equals(bytes));

  it('gives the Latin-1 bytes of a value with a character above ASCII and none above U+00FF', () => {
    expect(latin1Of('CANARY-é~ü').map((b) => Buffer.from(b).toString('hex'))).toEqual([
      Buffer.from('CANARY-é~ü', 'latin1').toString('hex'),
    ]);
    // Written decomposed, the value still has a Latin-1 form: its NFC one.
    expect(deriveByteForms('CANARY-e\u0301', 6).map((b) => Buffer.from(b).toString('latin1'))).toContain('CANARY-é');
  });

  it('gives no Latin-1 form for an ASCII value (its Latin-1 bytes are its UTF-8 ones) or one beyond Latin-1', () => {
    expect(BYTE_ENCODERS['latin1']?.('CANARY-ascii')).toBeUndefined();
    expect(BYTE_ENCODERS['latin1']?.('CANARY-é-秘密')).toBeUndefined();
    expect(latin1Of('CANARY-ascii')).toEqual([]);
    expect(latin1Of('abcé')).toEqual([]);
  });

  it('gives the UTF-16 bytes of every value, in both byte orders', () => {
    const hex = deriveByteForms('CANARY-秘密', 6).map((b) => Buffer.from(b).toString('hex'));
    expect(hex).toContain(Buffer.from('CANARY-秘密', 'utf16le').toString('hex'));
    expect(hex).toContain(Buffer.from('CANARY-秘密', 'utf16le').swap16().toString('hex'));
  });

  it('is matched in bytes, and counted once with the forms', () => {
    const scrubber = scrubberFor('CANARY-é~ü');
    const ascii = scrubberFor('CANARY-e~u');
    // Both also register their Buffer inspection: the difference is the text forms' and the byte forms'.
    const textForms = deriveForms('CANARY-é~ü', 6).length - deriveForms('CANARY-e~u', 6).length;
    const byteForms = deriveByteForms('CANARY-é~ü', 6).length - deriveByteForms('CANARY-e~u', 6).length;
    expect(scrubber.formCount - ascii.formCount).toBe(textForms + byteForms);
    expect(scrubber.scrubBuffer(Buffer.from('a=CANARY-é~ü;', 'latin1')).toString('latin1')).toBe('a=[redacted:TOKEN];');
    const utf16 = scrubber.scrubBuffer(Buffer.from('a=CANARY-é~ü;', 'utf16le'));
    expect(utf16.includes(Buffer.from('CANARY-é~ü', 'utf16le'))).toBe(false);
    expect(utf16.toString('latin1')).toContain('[redacted:TOKEN]');
  });
});

describe('upper-case \\u forms', () => {
  it('are derived only where they differ from the lower-case ones', () => {
    const forms = deriveForms('CANARY"é/秘', 6);
    expect(forms).toContain('CANARY\\"\\u00E9/\\u79D8');
    expect(forms).toContain('CANARY\\"\\u00e9/\\u79d8');
    expect(forms).toContain('CANARY"\\u00E9/\\u79D8');
    // No letter in the hex digits: one form, as the set keeps it.
    expect(deriveForms('CANARY-ascii-only', 6).filter((f) => f.includes('\\u0')).length).toBe(2);
  });
});

describe('Scrubber derived forms', () => {
  const xml = (v: string): string =>
    v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  it.each([
    ['raw', (v: string) => v],
    ['JSON string', (v: string) => JSON.stringify(v).slice(1, -1)],
    [
      'ASCII-only JSON',
      (v: string) =>
        JSON.stringify(v)
          .slice(1, -1)
          .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    ],
    ['encodeURIComponent', (v: string) => encodeURIComponent(v)],
    ['form encoding', (v: string) => new URLSearchParams({ q: v }).toString().slice(2)],
    ['hex lower', (v: string) => Buffer.from(v).toString('hex')],
    ['hex upper', (v: string) => Buffer.from(v).toString('hex').toUpperCase()],
    ['HTML &#39;', (v: string) => xml(v).replace(/'/g, '&#39;')],
    ['XML &apos;', (v: string) => xml(v).replace(/'/g, '&apos;')],
    ['HTML &#x27;', (v: string) => xml(v).replace(/'/g, '&#x27;')],
    ['shell single quotes', (v: string) => v.replace(/'/g, "'\\''")],
  ])('redacts the %s form', (_label, encode) => {
    const scrubber = scrubberFor(VALUE);
    expect(scrubber.scrub(`before ${encode(VALUE)} after`)).toBe('before [redacted:TOKEN] after');
  });

  describe.each(['base64', 'base64url'] as const)('%s', (encoding) => {
    const value = 'CANARY_b64_value_0123';
    const alphabet = encoding === 'base64' ? /^[A-Za-z0-9+/=]*$/ : /^[A-Za-z0-9_-]*$/;
    // Prefix lengths 0–5 cover all three byte offsets twice; suffixes cover every trailing remainder.
    for (const prefix of ['', 'u', 'us', 'use', 'user', 'user:']) {
      for (const suffix of ['', '\n', '\r\n', 'xyz']) {
        it(`redacts base64(${JSON.stringify(prefix)} + value + ${JSON.stringify(suffix)})`, () => {
          const scrubber = scrubberFor(value);
          const encoded = Buffer.from(prefix + value + suffix).toString(encoding);
          const out = scrubber.scrub(`Authorization: Basic ${encoded}`);
          const left = out.replace('Authorization: Basic ', '').split('[redacted:TOKEN]');
          expect(left).toHaveLength(2);
          expect(left.join('')).toMatch(alphabet);
          // At most the characters that also depend on the prefix or suffix stay visible.
          const visible = left[0]!.length + left[1]!.replace(/=+$/, '').length;
          expect(visible).toBeLessThanOrEqual(
            Math.ceil((prefix.length * 4) / 3) + Math.ceil((suffix.length * 4) / 3) + 2
          );
        });
      }
    }
  });

  it('redacts each body line of a PEM key on its own, and keeps the armour when the key is printed whole', () => {
    const pem =
      '-----BEGIN CANARY KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END CANARY KEY-----\n';
    const scrubber = scrubberFor(pem);
    expect(scrubber.scrub(`line: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC`)).toBe('line: [redacted:TOKEN]');
    expect(scrubber.scrub(pem.replace(/\n/g, '\r\n'))).toBe(
      '-----BEGIN CANARY KEY-----\r\n[redacted:TOKEN]\r\n-----END CANARY KEY-----\r\n'
    );
    // The key's final newline is not part of it: it stays, escaped, where JSON put it.
    expect(scrubber.scrub(`{"key":${JSON.stringify(pem)}}`)).toBe('{"key":"[redacted:TOKEN]\\n"}');
  });
});
