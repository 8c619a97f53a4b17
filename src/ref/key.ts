import type { RefReader } from './errors.js';
import { charAt } from './errors.js';
import type { KeySelector } from './types.js';

const KEY_EXPECTED = 'a field name or a JSON Pointer such as "/db/url"';

/**
 * @internal The text after `#`. A leading `/` makes it an RFC 6901 JSON Pointer, whose tokens are
 * unescaped here (`~1` → `/`, `~0` → `~`, in that order as §4 requires); anything else is a top-level field name.
 * `start` is the index of the first character after `#`.
 */
export function parseKey(text: string, start: number, { fail }: RefReader): KeySelector {
  if (text === '') {
    fail(start, KEY_EXPECTED, 'empty key after "#"');
  }
  if (!text.startsWith('/')) {
    return { kind: 'field', name: text };
  }
  for (let i = text.indexOf('~'); i !== -1; i = text.indexOf('~', i + 1)) {
    const next = charAt(text, i + 1);
    if (next !== '0' && next !== '1') {
      const problem =
        next === undefined
          ? '"~" at the end of a JSON Pointer'
          : `invalid escape ${JSON.stringify(`~${next}`)} in a JSON Pointer`;
      fail(start + i, '"~0" or "~1"', problem, 'In a JSON Pointer write "~" as "~0" and "/" as "~1"');
    }
  }
  const tokens = text
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
  return { kind: 'pointer', tokens };
}

/** @internal The text after `#` in the canonical display form. */
export function formatKey(key: KeySelector): string {
  if (key.kind === 'field') {
    return key.name;
  }
  return key.tokens.map((t) => `/${t.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** @internal A pointer as text, for messages: `/db/url`. */
export function pointerText(tokens: readonly string[]): string {
  return formatKey({ kind: 'pointer', tokens });
}
