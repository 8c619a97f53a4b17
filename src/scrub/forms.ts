/**
 * The derived forms under which a value can show up in output (scrub-and-files.md A.1, A.5, A.6).
 * Every form is matched on its own, so the list favours recall: a duplicate costs nothing.
 */

// Base64 output characters that depend on the bytes before the value, for a prefix of 0, 1 or 2 bytes.
const LEADING_MIXED = [0, 2, 3] as const;

/**
 * @public Every form of `value` that the scrubber registers, at least `minLength` UTF-16 code units
 * long, without duplicates: the value itself; with CRLF line ends; each trimmed line of a multi-line
 * value; JSON-string escaped (also ASCII-only `\uXXXX`); `encodeURIComponent` and form encoding
 * (`+` for space), with upper- and lowercase hex digits, and percent-encoded twice; base64 in the standard and URL alphabets at all three byte offsets, each padded,
 * unpadded, and without its last partial character (so `base64(prefix + value + suffix)` is caught);
 * hex lower and upper; XML/HTML escaped; shell single-quote escaped (`'\''`). Escape sequences are
 * stripped from every form, because the matcher skips them in the text.
 */
export function deriveForms(value: string, minLength: number): string[] {
  const forms = new Set<string>();
  const add = (form: string | undefined): void => {
    if (form === undefined) {
      return;
    }
    const visible = form.includes('\x1b') ? stripEscapes(form) : form;
    if (visible.length >= minLength && visible.length > 0) {
      forms.add(visible);
    }
  };

  add(value);
  if (/[\r\n]/.test(value)) {
    add(value.replace(/\r?\n/g, '\r\n'));
    add(value.replace(/\r\n/g, '\n'));
    for (const line of value.split(/\r\n|\r|\n/)) {
      add(line.trim());
    }
  }

  const json = JSON.stringify(value).slice(1, -1);
  add(json);
  // Python's json.dumps and others escape every non-ASCII character.
  add(json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));

  const percent = tryEncode(value);
  for (const form of [percent, percent?.replace(/%20/g, '+'), new URLSearchParams([['', value]]).toString().slice(1)]) {
    add(form);
    // Some encoders write lowercase hex digits (RFC 3986 calls both forms equivalent).
    add(form?.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
  }
  // Encoded twice (a URL inside a query parameter of another URL): each % becomes %25.
  add(percent === undefined ? undefined : tryEncode(percent));

  const bytes = Buffer.from(value, 'utf8');
  add(bytes.toString('hex'));
  add(bytes.toString('hex').toUpperCase());
  for (const prefix of [0, 1, 2] as const) {
    const padded = Buffer.concat([Buffer.alloc(prefix), bytes])
      .toString('base64')
      .slice(LEADING_MIXED[prefix]);
    const unpadded = padded.replace(/=+$/, '');
    // The last character mixes the value's final bits with whatever follows it.
    const trimmed = (prefix + bytes.length) % 3 === 0 ? unpadded : unpadded.slice(0, -1);
    for (const form of [padded, unpadded, trimmed]) {
      add(form);
      add(form.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }

  const xml = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  add(xml.replace(/'/g, '&#39;'));
  add(xml.replace(/'/g, '&apos;'));
  add(xml.replace(/'/g, '&#x27;'));
  add(value.replace(/'/g, "'\\''"));
  return [...forms];
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
