/**
 * The derived forms under which a value can show up in output (scrub-and-files.md A.1, A.5, A.6), from ONE table
 * of encoders ({@link ENCODERS}): a new printed form is one line there. Every form is matched on its own, so the
 * table favours recall: a duplicate costs nothing.
 */
import { inspect } from 'node:util';
import { bitsPerChar, characterClasses } from './secret-like.js';

/** @internal One way a runtime prints a string: text in, the printed forms out (`undefined` entries are skipped). */
export type Encoder = (text: string) => readonly (string | undefined)[];

// Longer values are structured (a key, a config file: their parts are registered on their own) or opaque tokens. The
// forms that only a value with special characters printed in an unusual place needs are derived for shorter ones:
// each form of a long value is that many more states in the automaton every scan walks.
const SHORT_VALUE = 256;
// A value this long or longer has near misses: with at most four characters lost, each keeps 16 or more.
const NEAR_MISS_MIN = 20;
const NEAR_MISS_MAX_LOST = 4;
const NEAR_MISS_MIN_BITS = 3;

const NON_ASCII = /[\u0080-\uffff]/g;
const GO_ESCAPED = /[<>&'\u0080-\uffff]/g;

// Base64 output characters that depend on the bytes before the value, for a prefix of 0, 1 or 2 bytes.
const LEADING_MIXED = [0, 2, 3] as const;

/**
 * @internal The printed forms of a string. Each entry: what prints it. Applied to the value, to each of its
 * secret-bearing parts, and to each of their unicode normalisation forms.
 */
export const ENCODERS: Readonly<Record<string, Encoder>> = {
  identity: (s) => [s],
  // Windows line ends, and a value read with them printed with LF; and each line of a short value indented by 2 to 8
  // spaces, as Jest's console prints a message (4 or 6, 2 more per console.group). A long one (a PEM key, a
  // kubeconfig) has its lines registered as parts: its indented copies would only grow the automaton.
  lineEnds: (s) =>
    /[\r\n]/.test(s)
      ? [
          s.replace(/\r?\n/g, '\r\n'),
          s.replace(/\r\n/g, '\n'),
          ...(s.length > SHORT_VALUE ? [] : [2, 4, 6, 8].map((n) => s.replace(/\r?\n/g, `\n${' '.repeat(n)}`))),
        ]
      : [],
  // JSON.stringify, also of a string already JSON-encoded (a JSON document inside a JSON string).
  json: (s) => [jsonInner(s), jsonInner(jsonInner(s)), jsonInner(jsonInner(jsonInner(s)))],
  // \uXXXX for non-ASCII (Python's json.dumps), for <>&' too (Go's encoding/json), for every character; the first two
  // also inside a JSON string once more; `\/` for `/` (PHP's json_encode, Java encoders). Each with upper-case hex
  // digits too (V8 heap snapshots, Jackson, Java's Properties) and the value itself with only its non-ASCII
  // escaped. For an ASCII-only value most of these equal the JSON form: the set keeps one.
  jsonUnicode: (s) => {
    const json = jsonInner(s);
    const escaped = [NON_ASCII, GO_ESCAPED].flatMap((which) => [uEscape(json, which), uEscape(json, which, true)]);
    return [
      ...escaped,
      uEscape(s, NON_ASCII),
      uEscape(s, NON_ASCII, true),
      heapEscape(s),
      ...(s.length > SHORT_VALUE
        ? []
        : [
            ...escaped.map(jsonInner),
            json.replace(/\//g, '\\/'),
            // A JSON document holding the value, in a heap snapshot: its `\"` and `\\` escaped again, `\u` once.
            heapEscape(json),
          ]),
      uEscape(s, /[\s\S]/g),
      uEscape(s, /[\s\S]/g, true),
    ];
  },
  // util.inspect / console.log of a string: it picks the quote, escapes it, `\`, and control characters.
  inspect: (s) => [inspect(s, { breakLength: Number.POSITIVE_INFINITY }).slice(1, -1)],
  // Backslash escaping for single and double quotes (pretty-format's escapeString, shells, source code), and of the
  // characters a regular expression escapes (a value in a printed pattern, `new RegExp(escaped)`).
  backslash: (s) => [
    s.replace(/[\\']/g, '\\$&'),
    s.replace(/[\\"]/g, '\\$&'),
    s.replace(/[\\'"]/g, '\\$&'),
    s.length > SHORT_VALUE ? undefined : s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'),
  ],
  // Template literals and snapshot keys and values (`exports[\`…\`]`, printBacktickString): `, \ and ${.
  backtick: (s) => [s.replace(/`|\\|\$\{/g, '\\$&')],
  percent: (s) => percentForms(s),
  // A URL prints a value it holds percent-encoded by its own sets, which differ by part (WHATWG URL): in the query,
  // the path, the fragment and the password; and as encodeURI and the legacy escape() print it.
  url: (s) => urlForms(s),
  // Printed forms of the value inside a JSON document (a request body): logged with util.inspect, percent-encoded,
  // XML-escaped, in hex and base64 (a JWT payload). Only where JSON changes the value (a quote, a backslash…).
  inJson: (s) => inJsonForms(s),
  hex: (s) => [Buffer.from(s, 'utf8').toString('hex'), Buffer.from(s, 'utf8').toString('hex').toUpperCase()],
  // `xxd -p` wraps hex at 60 columns (30 bytes a line), starting at the value's first byte: line by line.
  hexWrapped: (s) =>
    Buffer.from(s, 'utf8')
      .toString('hex')
      .match(/.{1,60}/g) ?? [],
  // Byte arrays in decimal: JSON.stringify(buffer) (`"data":[67,65,…]`), chai/loupe messages (`Buffer[ 67, 65, … ]`).
  decimalBytes: (s) => [[...Buffer.from(s, 'utf8')].join(','), [...Buffer.from(s, 'utf8')].join(', ')],
  base64: (s) => base64Forms(Buffer.from(s, 'utf8')),
  // PEM, MIME and the `base64` CLI wrap at 64 or 76 columns, starting at the value's first byte: line by line.
  base64Wrapped: (s) => [...wrappedBase64(Buffer.from(s, 'utf8'), 64), ...wrappedBase64(Buffer.from(s, 'utf8'), 76)],
  // UTF-16LE (Windows APIs, PowerShell -EncodedCommand) in base64 and hex.
  utf16le: (s) => [...base64Forms(Buffer.from(s, 'utf16le')), Buffer.from(s, 'utf16le').toString('hex')],
  // A transcoding mistake between tools, for a value above ASCII: its Latin-1 bytes read as UTF-8 (a Latin-1 tool's
  // output piped into `{ encoding: 'utf8' }`: each byte that is not UTF-8 becomes U+FFFD and the ASCII stays), and its
  // UTF-8 bytes read as Latin-1 (`é` as `Ã©`). The first only when no character is above U+00FF.
  mojibake: (s) =>
    /[^\0-\x7f]/.test(s)
      ? [
          /[^\0-\xff]/.test(s) ? undefined : Buffer.from(s, 'latin1').toString('utf8'),
          Buffer.from(s, 'utf8').toString('latin1'),
        ]
      : [],
  xml: (s) => xmlForms(s),
  // Shell single-quote escaping.
  shell: (s) => [s.replace(/'/g, "'\\''")],
  // A value in a URL's host (`https://${token}.example.com`, a DNS exfiltration's shape): the WHATWG parser (new URL,
  // fetch, undici) lowercases it, and the egress guard's findings and a failed lookup's ENOTFOUND print it so. Only
  // for a value that can be a host name (letters, digits, `.`, `_`, `-`; at most 253 characters) and has a capital.
  hostLower: (s) => [/[A-Z]/.test(s) && /^[A-Za-z0-9._-]{1,253}$/.test(s) ? s.toLowerCase() : undefined],
  // Quote doubling: a SQL literal (`'` as `''`: knex's toString, pg-format, a log of a query with its parameters
  // inlined) and an RFC 4180 CSV field (`"` as `""`). Only for a value holding that quote.
  sql: (s) => [s.includes("'") ? s.replace(/'/g, "''") : undefined],
  csv: (s) => [s.includes('"') ? s.replace(/"/g, '""') : undefined],
  // Strict RFC 3986 percent-encoding, unreserved characters only (npm's qs, MDN's fixedEncodeURIComponent): also
  // `!'()*`, which encodeURIComponent leaves; and encodeURIComponent's output set in a URL's query, which the WHATWG
  // parser (new URL, new Request, fetch) re-encodes `'` in. Only for a value holding one of them.
  rfc3986: (s) => [/[!'()*]/.test(s) ? tryEncode(s)?.replace(/[!'()*]/g, percentByte) : undefined],
  queryReencoded: (s) => [s.includes("'") ? tryEncode(s)?.replace(/'/g, '%27') : undefined],
};

/**
 * @internal Forms that are bytes rather than text, matched where bytes are scanned (streams, files). Latin-1 (a file
 * written with `'latin1'`, Java's ISO-8859-1 properties, Windows-1252 tools): one byte per character, so é is the
 * single byte 0xE9, not UTF-8's two. Only for a value with a character above ASCII and none above U+00FF: an ASCII
 * value's Latin-1 bytes are its UTF-8 ones.
 */
export const BYTE_ENCODERS: Readonly<Record<string, (text: string) => Uint8Array | undefined>> = {
  latin1: (s) => (/[\x80-\xff]/.test(s) && !/[^\0-\xff]/.test(s) ? Buffer.from(s, 'latin1') : undefined),
  // UTF-16, both byte orders (a file written with 'utf16le', PowerShell's default output, Java's UTF-16 writers): two
  // bytes or four per character, which text never holds by accident.
  utf16le: (s) => Buffer.from(s, 'utf16le'),
  utf16be: (s) => Buffer.from(s, 'utf16le').swap16(),
};

/**
 * @internal The byte forms ({@link BYTE_ENCODERS}) of `text` and of its unicode normalisation forms, at least
 * `minLength` bytes long, without duplicates (a Latin-1 form's bytes are its characters).
 */
export function deriveByteForms(text: string, minLength: number): Uint8Array[] {
  const forms = new Map<string, Uint8Array>();
  for (const source of normalForms(text)) {
    for (const encode of Object.values(BYTE_ENCODERS)) {
      const form = encode(source);
      if (form !== undefined && form.length >= Math.max(1, minLength)) {
        forms.set(Buffer.from(form).toString('latin1'), form);
      }
    }
  }
  return [...forms.values()];
}

/** @internal Node's Buffer inspection prints the first 50 bytes as spaced hex (buffer.INSPECT_MAX_BYTES). */
export const BUFFER_INSPECT_BYTES = 50;

/** @internal `<Buffer 43 41 …>` of a value: the spaced hex of the bytes Node shows. */
export function bufferInspection(value: string): string {
  const hex = Buffer.from(value, 'utf8').subarray(0, BUFFER_INSPECT_BYTES).toString('hex');
  return hex.replace(/(..)(?!$)/g, '$1 ');
}

/** @internal The unicode normalisation forms of `text` (itself first), without duplicates. */
export function normalForms(text: string): string[] {
  const forms = new Set([text]);
  for (const form of ['NFC', 'NFD', 'NFKC', 'NFKD'] as const) {
    try {
      forms.add(text.normalize(form));
    } catch {
      // A lone surrogate: the text itself is still there.
    }
  }
  return [...forms];
}

/**
 * @public Every printed form of `text` at least `minLength` UTF-16 code units long, without duplicates: each
 * encoder of {@link ENCODERS} applied to `text` and to its unicode normalisation forms. Escape sequences are stripped
 * from every form, because the matcher skips them in the text.
 */
export function deriveForms(text: string, minLength: number, skip: readonly string[] = []): string[] {
  const forms = new Set<string>();
  const encoders = Object.entries(ENCODERS)
    .filter(([name]) => !skip.includes(name))
    .map(([, encode]) => encode);
  for (const source of normalForms(text)) {
    for (const encode of encoders) {
      for (const form of encode(source)) {
        if (form === undefined) {
          continue;
        }
        const visible = form.includes('\x1b') ? stripEscapes(form) : form;
        if (visible.length >= Math.max(1, minLength)) {
          forms.add(visible);
        }
      }
    }
  }
  return [...forms];
}

/**
 * @internal A near miss of a value: the value with one to four characters lost or changed at one end, which a failed
 * comparison's diff prints beside the redacted value (`expect(stored).toBe(token)` with a token cut to a column's
 * width or a wrong last character), as printed and as the runners quote it (JSON in Jest's diff, backslash escapes in
 * Vitest's message). For a value of 20–256 characters, and only a near miss that still holds a random run of 16 letters
 * and digits: what a cut leaves of a short password at the end of a URL, a `.env` line or a connection string is its
 * public frame, which must print as it is. Whole code points, so an astral character is never split.
 */
export function nearMissForms(s: string): string[] {
  const chars = Array.from(s);
  if (chars.length < NEAR_MISS_MIN || s.length > SHORT_VALUE) {
    return [];
  }
  const misses = Array.from({ length: NEAR_MISS_MAX_LOST }, (_, i) => [
    chars.slice(0, -(i + 1)).join(''),
    chars.slice(i + 1).join(''),
  ])
    .flat()
    .filter(holdsRandomRun);
  const quoted = [ENCODERS.identity!, ENCODERS.json!, ENCODERS.inspect!, ENCODERS.backslash!];
  return [...new Set(misses.flatMap((miss) => quoted.flatMap((encode) => encode(miss))))].filter(
    (form): form is string => form !== undefined
  );
}

// A run of letters and digits as a token or a generated password has one: 16 or more, two classes, 3 bits each (hex
// reaches about 3.4 at that length).
function holdsRandomRun(text: string): boolean {
  return (text.match(/[A-Za-z0-9]{16,}/g) ?? []).some(
    (run) => characterClasses(run) >= 2 && bitsPerChar(run) >= NEAR_MISS_MIN_BITS
  );
}

function jsonInner(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

function uEscape(s: string, which: RegExp, upper = false): string {
  return s.replace(which, (c) => `\\u${hex4(c.charCodeAt(0), upper)}`);
}

function hex4(code: number, upper: boolean): string {
  const hex = code.toString(16).padStart(4, '0');
  return upper ? hex.toUpperCase() : hex;
}

// A V8 heap snapshot writes a string as JSON with each non-ASCII code point as \u and four upper-case hex digits: the
// low 16 bits of an astral one (🔑, U+1F511, prints as \uF511); control characters upper-case too, DEL as it is.
function heapEscape(s: string): string {
  return s.replace(/[^\x20-\x7f]|["\\]/gu, (c) => {
    const code = c.codePointAt(0)!;
    const json = jsonInner(c);
    return code >= 0x80 || json.startsWith('\\u') ? `\\u${hex4(code & 0xffff, true)}` : json;
  });
}

// encodeURIComponent and form encoding (`+` for space), upper- and lowercase hex digits, and percent-encoded twice.
function percentForms(s: string): (string | undefined)[] {
  const percent = tryEncode(s);
  const out: (string | undefined)[] = [];
  for (const form of [percent, percent?.replace(/%20/g, '+'), new URLSearchParams([['', s]]).toString().slice(1)]) {
    out.push(
      form,
      form?.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())
    );
  }
  // A URL inside a query parameter of another URL: each % becomes %25.
  out.push(percent === undefined ? undefined : tryEncode(percent));
  return out;
}

// Standard and URL alphabets at all three byte offsets, each padded, unpadded, and without its last partial
// character (so `base64(prefix + value + suffix)` is caught).
function base64Forms(bytes: Buffer): string[] {
  const out: string[] = [];
  for (const prefix of [0, 1, 2] as const) {
    const padded = Buffer.concat([Buffer.alloc(prefix), bytes])
      .toString('base64')
      .slice(LEADING_MIXED[prefix]);
    const unpadded = padded.replace(/=+$/, '');
    // The last character mixes the value's final bits with whatever follows it.
    const trimmed = (prefix + bytes.length) % 3 === 0 ? unpadded : unpadded.slice(0, -1);
    for (const form of [padded, unpadded, trimmed]) {
      out.push(form, form.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return out;
}

// The lines of base64 wrapped at `width`: every full line, and the last one as printed and without its last
// partial character (more data may follow the value).
function wrappedBase64(bytes: Buffer, width: number): string[] {
  return wrappedBase64Lines(bytes, width).map((line) => line.form);
}

/**
 * @internal The lines of `bytes` in base64 wrapped at `width`, each with the text it encodes (a structured value
 * registers only the lines that encode more than its furniture).
 */
export function wrappedBase64Lines(bytes: Buffer, width: number): { form: string; encodes: string }[] {
  const b64 = bytes.toString('base64');
  if (b64.length <= width) {
    return [];
  }
  const perLine = (width / 4) * 3;
  const out: { form: string; encodes: string }[] = [];
  for (let i = 0, b = 0; i < b64.length; i += width, b += perLine) {
    out.push({ form: b64.slice(i, i + width), encodes: bytes.subarray(b, b + perLine).toString('utf8') });
  }
  const last = out[out.length - 1]!;
  const unpadded = last.form.replace(/=+$/, '');
  const trimmed = bytes.length % 3 === 0 ? unpadded : unpadded.slice(0, -1);
  out.push({ form: unpadded, encodes: last.encodes }, { form: trimmed, encodes: last.encodes });
  return out;
}

// Every character the serializer escapes (`'` kept, or in any of three spellings), and the minimal escaping of text
// (`&`, `<`) and of an attribute (`"` too). For a value holding `"`, the numeric references of both quotes too: Go's
// html.EscapeString and html/template (`&#34;`, `&#39;`), and hexadecimal ones (`&#x22;`, `&#x27;`: he, OWASP's
// encoders).
function xmlForms(s: string): string[] {
  const text = s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const tags = text.replace(/>/g, '&gt;');
  const xml = tags.replace(/"/g, '&quot;');
  return [
    xml,
    xml.replace(/'/g, '&#39;'),
    xml.replace(/'/g, '&apos;'),
    xml.replace(/'/g, '&#x27;'),
    text,
    text.replace(/"/g, '&quot;'),
    ...(s.includes('"')
      ? [tags.replace(/"/g, '&#34;').replace(/'/g, '&#39;'), tags.replace(/"/g, '&#x22;').replace(/'/g, '&#x27;')]
      : []),
  ];
}

// The WHATWG URL serializer's percent-encode sets, by what the value is set as; encodeURI and escape().
function urlForms(s: string): (string | undefined)[] {
  if (s.length > SHORT_VALUE) {
    return [];
  }
  const url = (set: (u: URL) => string): string | undefined => {
    try {
      return set(new URL('https://h.invalid/'));
    } catch {
      return undefined;
    }
  };
  return [
    url((u) => {
      u.search = s;
      return u.search.slice(1);
    }),
    url((u) => {
      u.pathname = s;
      return u.pathname.slice(1);
    }),
    url((u) => {
      u.hash = s;
      return u.hash.slice(1);
    }),
    url((u) => {
      u.password = s;
      return u.password;
    }),
    tryOr(() => encodeURI(s)),
    escape(s),
  ];
}

function inJsonForms(s: string): (string | undefined)[] {
  const json = jsonInner(s);
  if (json === s || s.length > SHORT_VALUE) {
    return [];
  }
  const bytes = Buffer.from(json, 'utf8');
  return [
    inspect(json, { breakLength: Number.POSITIVE_INFINITY }).slice(1, -1),
    jsonInner(inspect(s, { breakLength: Number.POSITIVE_INFINITY }).slice(1, -1)),
    ...percentForms(json),
    ...xmlForms(json),
    bytes.toString('hex'),
    ...base64Forms(bytes),
  ];
}

function tryOr(encode: () => string): string | undefined {
  try {
    return encode();
  } catch {
    return undefined;
  }
}

function percentByte(c: string): string {
  return `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
}

function tryEncode(value: string): string | undefined {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate cannot be percent-encoded; the other forms still cover the value.
    return undefined;
  }
}

// The same grammar the matcher skips (scan-session.ts): CSI, OSC/DCS/SOS/PM/APC strings, and
// other ESC sequences. Used only on registered values, which rarely contain any.
const ESCAPE_RE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are the point
  /\x1b(?:\[[\x20-\x3f]*[\x40-\x7e]?|[\]PX^_][^\x07\x18\x1a\x1b]*(?:\x07|\x18|\x1a|\x1b\\)?|[\x20-\x2f]*[\x30-\x7e]?)/g;

/** @internal Removes terminal escape sequences. */
export function stripEscapes(text: string): string {
  return text.replace(ESCAPE_RE, '');
}
