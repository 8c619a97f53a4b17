/**
 * The leak corpus: every form a runtime prints a value in (forms.ts ENCODERS), produced by the real printer where
 * there is one (util.inspect, JSON, Buffer inspection, the `base64` CLI), for values with quotes, backslashes,
 * backticks, non-ASCII, surrogate pairs and combining marks; and the cases other maskers test themselves on
 * (overlapping, adjacent, repeated secrets). No 12-character window of a printed form may survive scrubbing.
 */
import { execFileSync } from 'node:child_process';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Scrubber } from '../../../src/scrub/index.js';

const VALUES = {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${` is what template escaping must handle
  QUOTED: 'CANARY"quote\\back`tick${x}\'single-SENTINEL',
  UNICODE: 'CANARY-p@ss wörd/é-🔑-秘密-SENTINEL',
  COMBINING: 'CANARY-cafe\u0301-n\u0303o-SENTINEL',
  LONG: `CANARY-${'k7Qz9xWv3LmN8pRt2YbH5cJd'.repeat(4)}-SENTINEL`,
};

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
      ([name, value]) => [printer, name, print(value), print('Q'.repeat(value.length))] as const
    )
  );
  it.each(cases)('%s of %s', (_printer, _name, printed, structure) => {
    const scrubbed = scrubber.scrub(`log: ${printed} :end`);
    expect(scrubbed).toContain('[redacted:');
    expect(survivors(printed, scrubbed, structure)).toEqual([]);
  });
});

describe('every printed form of a value inside a JSON document is redacted', () => {
  // Structure from a placeholder with the value's quotes, escapes and first and last characters.
  const placeholder = (v: string) => v[0] + v.slice(1, -1).replace(/[A-Za-z0-9]/g, 'Q') + v.at(-1);
  const cases = Object.entries(IN_JSON).flatMap(([printer, print]) =>
    Object.entries(VALUES).map(([name, value]) => [printer, name, print(value), print(placeholder(value))] as const)
  );
  it.each(cases)('%s of %s', (_printer, _name, printed, structure) => {
    const scrubbed = scrubber.scrub(`log: ${printed} :end`);
    expect(scrubbed).toContain('[redacted:');
    expect(survivors(printed, scrubbed, structure)).toEqual([]);
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
