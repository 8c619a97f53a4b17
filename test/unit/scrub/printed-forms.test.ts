/**
 * The leak corpus: every form a runtime prints a value in (forms.ts ENCODERS), produced by the real printer where
 * there is one (util.inspect, JSON, Buffer inspection, the `base64` CLI), for values with quotes, backslashes,
 * backticks, non-ASCII, surrogate pairs and combining marks; and the cases other maskers test themselves on
 * (overlapping, adjacent, repeated secrets). No 12-character window of a printed form may survive scrubbing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Scrubber } from '../../../src/scrub/index.js';

const VALUES = {
  // A passphrase with both quotes, a space and the characters only RFC 3986 encodes.
  PASSPHRASE: `CANARY Pa'ss "w0rd" (K3y)!*~é SENTINEL`,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${` is what template escaping must handle
  QUOTED: 'CANARY"quote\\back`tick${x}\'single-SENTINEL',
  UNICODE: 'CANARY-p@ss wörd/é-🔑-秘密-SENTINEL',
  COMBINING: 'CANARY-cafe\u0301-n\u0303o-SENTINEL',
  LONG: `CANARY-${'k7Qz9xWv3LmN8pRt2YbH5cJd'.repeat(4)}-SENTINEL`,
  // Every character in Latin-1, one of them above ASCII, with the characters JSON, HTML and URLs escape.
  LATIN1: 'CANARY&<Tok>"q\'u/o+te=%20é~SENTINEL',
};

// A placeholder with the value's quotes, escapes and first and last characters (the printer picks its quotes by them).
const placeholder = (v: string) => v[0] + v.slice(1, -1).replace(/[A-Za-z0-9]/g, 'Q') + v.at(-1);

// \u with upper-case hex digits for what `which` matches (Jackson, Java's Properties.store).
const upperU = (text: string, which: RegExp) =>
  text.replace(which, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);

/**
 * The line a real V8 heap snapshot (`v8.writeHeapSnapshot()`) writes for each string: one snapshot holding every
 * value, every placeholder, and each of them inside a JSON document.
 */
const heapLines = ((): Map<string, string> => {
  const strings = Object.values(VALUES).flatMap((v) => {
    const shapes = [v, 'Q'.repeat(v.length), placeholder(v)];
    return shapes.flatMap((s) => [`heap-${s}`, JSON.stringify({ password: s })]);
  });
  const dir = mkdtempSync(join(tmpdir(), 'cb-heap-'));
  try {
    const kept = strings.map((s) => JSON.parse(JSON.stringify(s)) as string); // flat strings of their own
    // V8 writes the low 16 bits of an astral character (🔑 as \uF511): what its line parses back to.
    const byParsed = new Map(
      kept.map((s) => [
        s.replace(/[\u{10000}-\u{10ffff}]/gu, (c) => String.fromCharCode(c.codePointAt(0)! & 0xffff)),
        s,
      ])
    );
    const file = writeHeapSnapshot(join(dir, 'h.heapsnapshot'));
    kept.length = 0; // held until the snapshot is written
    const lines = readFileSync(file, 'utf8').split('\n');
    const byString = new Map<string, string>();
    for (const line of lines) {
      const parsed = parseStringLine(line);
      const kept = parsed === undefined ? undefined : byParsed.get(parsed);
      if (kept !== undefined) {
        byString.set(kept, line);
      }
    }
    return byString;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

function parseStringLine(line: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(line.replace(/,$/, ''));
    return typeof parsed === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function heapLine(text: string): string {
  const line = heapLines.get(text);
  if (line === undefined) {
    throw new Error('the heap snapshot holds no line for a string the test kept');
  }
  return line;
}

const wrap = (text: string, width: number): string => text.replace(new RegExp(`(.{${width}})`, 'g'), '$1\n');
const b64 = (value: string, encoding: BufferEncoding = 'utf8') => Buffer.from(value, encoding).toString('base64');
const backtick = (text: string) => text.replace(/`|\\|\$\{/g, '\\$&');

// Each printer: how some runtime or tool prints a value.
const PRINTERS: Record<string, (value: string) => string> = {
  raw: (v) => v,
  'util.inspect': (v) => inspect(v),
  'util.inspect of an object': (v) => inspect({ config: { v } }),
  'JSON.stringify': (v) => JSON.stringify({ v }),
  'JSON.stringify twice': (v) => JSON.stringify(JSON.stringify({ v })),
  'JSON with \\u escapes for non-ASCII (Python)': (v) =>
    JSON.stringify(v).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  'JSON with every character \\u-escaped': (v) =>
    v
      .split('')
      .map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join(''),
  'pretty-format escapeString (\\" and \\\\)': (v) => `"${v.replace(/["\\]/g, '\\$&')}"`,
  "backslash-escaped single quotes ('\\'')": (v) => `'${v.replace(/['\\]/g, '\\$&')}'`,
  'template literal / .snap value': (v) => `\`${backtick(v)}\``,
  'snapshot key from a hint': (v) => `exports[\`suite > test: ${backtick(v)} 1\`] = \`"x"\`;`,
  encodeURIComponent: (v) => `?q=${encodeURIComponent(v)}`,
  'form encoding': (v) => new URLSearchParams({ q: v }).toString(),
  hex: (v) => Buffer.from(v).toString('hex'),
  base64: (v) => b64(v),
  base64url: (v) => Buffer.from(v).toString('base64url'),
  'base64 wrapped at 64 (PEM)': (v) => wrap(b64(v), 64),
  'base64 wrapped at 76 (the base64 CLI)': (v) => execFileSync('base64', { input: v, encoding: 'utf8' }),
  'Buffer inspection (console.log(buffer))': (v) => inspect(Buffer.from(v)),
  'JSON of a Buffer (decimal bytes)': (v) => JSON.stringify(Buffer.from(v)),
  'UTF-16LE base64': (v) => b64(v, 'utf16le'),
  'UTF-16LE hex': (v) => Buffer.from(v, 'utf16le').toString('hex'),
  NFC: (v) => v.normalize('NFC'),
  NFD: (v) => v.normalize('NFD'),
  NFKC: (v) => v.normalize('NFKC'),
  'XML/HTML escaped': (v) =>
    v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'),
  'CRLF line ends': (v) => v.replace(/\n/g, '\r\n'),
  // Found by the second attack on the packed package (2026-12-07): URLs, legacy encoders, a value inside JSON.
  'a URL with it in the query (WHATWG)': (v) => new URL(`https://api.example.com/v1?token=${v}`).href,
  'a URL with it in the path': (v) => new URL(`https://api.example.com/v1/${v}`).href,
  'a URL with it in the fragment': (v) => new URL(`https://api.example.com/v1#${v}`).href,
  'a URL with it as the password': (v) => {
    const url = new URL('https://api.example.com/');
    url.username = 'me';
    url.password = v;
    return url.href;
  },
  encodeURI: (v) => encodeURI(v),
  'escape()': (v) => escape(v),
  'JSON with \\u escapes, in JSON again': (v) =>
    JSON.stringify(
      JSON.stringify({ v }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    ),
  'JSON with escaped slashes (PHP)': (v) => JSON.stringify({ v }).replace(/\//g, '\\/'),
  'XML text (only & and < escaped)': (v) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;'),
  'a regular expression source': (v) => new RegExp(v.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).source,
  // Found by the third attack (2026-12-07): upper-case \u hex digits for non-ASCII.
  'a V8 heap snapshot (v8.writeHeapSnapshot)': (v) => heapLine(`heap-${v}`),
  'a V8 heap snapshot of a JSON body': (v) => heapLine(JSON.stringify({ password: v })),
  'JSON with upper-case \\u for non-ASCII (Jackson ESCAPE_NON_ASCII)': (v) =>
    upperU(JSON.stringify({ v }), /[\u0080-\uffff]/g),
  "JSON with upper-case \\u for <>&' and non-ASCII": (v) => upperU(JSON.stringify({ v }), /[<>&'\u0080-\uffff]/g),
  'JSON with upper-case \\u, in JSON again': (v) => JSON.stringify(upperU(JSON.stringify({ v }), /[\u0080-\uffff]/g)),
  'the value with upper-case \\u for non-ASCII (Java Properties.store)': (v) => upperU(v, /[\u0080-\uffff]/g),
  'the value with \\u for non-ASCII': (v) =>
    v.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), // Found by the fourth attack (2026-12-07): quotes doubled or as numeric references, strict percent-encoding.
  'a SQL literal (quotes doubled: knex toString, pg-format)': (v) => `'${v.replace(/'/g, "''")}'`,
  'a CSV field (RFC 4180)': (v) => `"${v.replace(/"/g, '""')}"`,
  "Go's html.EscapeString (&#34; and &#39;)": (v) =>
    v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;'),
  'HTML with hexadecimal references (&#x22; and &#x27;)': (v) =>
    v
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&#x22;')
      .replace(/'/g, '&#x27;'),
  'RFC 3986 percent-encoding (qs, fixedEncodeURIComponent)': (v) =>
    encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  'encodeURIComponent in a query, re-encoded by new Request (fetch)': (v) =>
    new Request(`https://api.example.com/login?pw=${encodeURIComponent(v)}`).url,
  // Found by the recheck of the fourth attack: a value as a host name, which the WHATWG parser lower-cases (only a
  // value that can be one; any other is printed as it is, which the raw printer covers).
  'a URL with it in the host (new URL, fetch: lower-cased)': (v) =>
    /^[A-Za-z0-9._-]{1,253}$/.test(v) ? new URL(`https://${v}.example.com/x`).href : v,
};

// A value inside a JSON document, printed again: the structure around it depends on the value's quotes and length,
// and base64 mixes the characters next to it into its first and last output characters.
const IN_JSON: Record<string, (value: string) => string> = {
  'console.log of a JSON body': (v) => inspect({ body: JSON.stringify({ password: v }) }),
  'a JSON logger of a formatted object': (v) => JSON.stringify({ msg: inspect({ password: v }) }),
  'a JSON body percent-encoded': (v) => encodeURIComponent(JSON.stringify({ password: v })),
  'a JSON body in base64url (a JWT payload)': (v) => Buffer.from(JSON.stringify({ password: v })).toString('base64url'),
  'a JSON body XML-escaped': (v) =>
    JSON.stringify({ password: v })
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;'),
  'a JSON body in hex': (v) => Buffer.from(JSON.stringify({ password: v })).toString('hex'),
};

function scrubberWith(values: Record<string, string>): Scrubber {
  const scrubber = new Scrubber();
  for (const [name, value] of Object.entries(values)) {
    scrubber.add(value, name);
  }
  return scrubber;
}

/**
 * 12-character windows of `printed` still in `scrubbed`, except the printer's own structure: windows that its output
 * for a placeholder of the same length also has (`{ config: { v: '`, `{"type":"Buffer","data":[`, `... 62 more bytes>`).
 */
function survivors(printed: string, scrubbed: string, structure: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 12 <= printed.length; i++) {
    const window = printed.slice(i, i + 12);
    if (scrubbed.includes(window) && !structure.includes(window)) {
      found.push(window);
    }
  }
  return found;
}

const scrubber = scrubberWith(VALUES);

describe('every printed form is redacted', () => {
  const cases = Object.entries(PRINTERS).flatMap(([printer, print]) =>
    Object.entries(VALUES).map(
      ([name, value]) =>
        [printer, name, print(value), `${print('Q'.repeat(value.length))}\n${print(placeholder(value))}`] as const
    )
  );
  it.each(cases)('%s of %s', (_printer, _name, printed, structure) => {
    const scrubbed = scrubber.scrub(`log: ${printed} :end`);
    expect(scrubbed).toContain('[redacted:');
    expect(survivors(printed, scrubbed, structure)).toEqual([]);
  });
});

describe('every printed form of a value inside a JSON document is redacted', () => {
  const cases = Object.entries(IN_JSON).flatMap(([printer, print]) =>
    Object.entries(VALUES).map(([name, value]) => [printer, name, print(value), print(placeholder(value))] as const)
  );
  it.each(cases)('%s of %s', (_printer, _name, printed, structure) => {
    const scrubbed = scrubber.scrub(`log: ${printed} :end`);
    expect(scrubbed).toContain('[redacted:');
    expect(survivors(printed, scrubbed, structure)).toEqual([]);
  });
});

describe('a value written as bytes is found and redacted in the bytes', () => {
  // fs.writeFileSync(path, text, 'latin1'): é is the single byte 0xE9. For a value whose NFC form fits in Latin-1.
  const latin1 = Object.entries(VALUES).filter(([, v]) =>
    [...v.normalize('NFC')].every((c) => c.charCodeAt(0) <= 0xff)
  );
  it.each(latin1)('a Latin-1 file of %s', (name, value) => {
    const bytes = Buffer.from(`<prop value="${value.normalize('NFC')}"/>\n`, 'latin1');
    expect(scrubber.findings(bytes).map((f) => f.name)).toEqual([name]);
    expect(scrubber.scrubBuffer(bytes).toString('latin1')).toBe(`<prop value="[redacted:${name}]"/>\n`);
  });

  it('keeps a different value of the same shape in Latin-1 as written', () => {
    const twin = Buffer.from('<prop value="CANARY&<Tok>"q\'u/o+te=%20è~SENTINEL"/>\n', 'latin1');
    expect(scrubber.findings(twin)).toEqual([]);
    expect(scrubber.scrubBuffer(twin).equals(twin)).toBe(true);
  });
});

describe('a different value of the same shape printed with upper-case \\u stays as printed', () => {
  const twin = 'CANARY&<Tok>"q\'u/o+te=%20è~SENTINEL';
  it.each(Object.keys(PRINTERS).filter((p) => /heap|upper-case/.test(p)))('%s', (printer) => {
    const printed = printer.includes('heap')
      ? upperU(JSON.stringify(twin), /[\u0080-\uffff]/g)
      : PRINTERS[printer]!(twin);
    expect(scrubber.scrub(printed)).toBe(printed);
  });
});

describe('the cases other maskers test themselves on', () => {
  it('redacts repeated and adjacent secrets, each on its own', () => {
    const s = scrubberWith({ A: 'CANARY-aaaa-1111-SENTINEL', B: 'CANARY-bbbb-2222-SENTINEL' });
    expect(s.scrub('CANARY-aaaa-1111-SENTINELCANARY-bbbb-2222-SENTINEL CANARY-aaaa-1111-SENTINEL')).toBe(
      '[redacted:A][redacted:B] [redacted:A]'
    );
  });

  it('redacts the union of overlapping secrets, in every encoding', () => {
    const s = scrubberWith({ A: 'CANARY-overlap-1234', B: 'overlap-1234-SENTINEL' });
    const both = 'CANARY-overlap-1234-SENTINEL';
    expect(s.scrub(both)).toBe('[redacted:A]');
    expect(s.scrub(inspect(both))).toBe("'[redacted:A]'");
    expect(s.scrub(JSON.stringify({ both }))).toBe('{"both":"[redacted:A]"}');
  });

  it('keeps surrogate pairs around a value whole, and redacts a value made of them', () => {
    const s = scrubberWith({ EMOJI: '🔑🔒🗝️-CANARY-🔑🔒', CJK: '秘密の鍵-CANARY-SENTINEL' });
    expect(s.scrub('😀🔑🔒🗝️-CANARY-🔑🔒😀 秘密の鍵-CANARY-SENTINEL👩‍👧')).toBe(
      '😀[redacted:EMOJI]😀 [redacted:CJK]👩‍👧'
    );
    expect(
      s.scrub(
        JSON.stringify('🔑🔒🗝️-CANARY-🔑🔒').replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
      )
    ).toBe('"[redacted:EMOJI]"');
  });
});
