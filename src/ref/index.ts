/**
 * The reference grammar (DESIGN §3): parse, display, document identity and `#key` selection.
 *
 * `scheme:locator[#key][?name=value&…]`; `scheme://` means the same; the query may also come before the key.
 * Decisions the grammar makes (corpus: fixtures/refs/valid.txt, invalid.txt):
 * - Canonical display (`formatRef`): single colon, then `#key`, then `?params` in a fixed order per scheme —
 *   vault `version`; aws-sm `version-id`, `version-stage` (exclusive); gcp-sm `version` (omitted when `latest`);
 *   azure-kv `version` (also when it was written as a path segment); sops `format`. Pointers are re-escaped.
 * - No percent-decoding: `#` and `?` always delimit, so locators and keys cannot contain them; a key cannot end
 *   with whitespace (the whole ref may not start or end with whitespace); control characters are rejected.
 * - `file:`/`sops:`/`age:` take any non-empty path; `file:///abs` is `/abs` and `file:////x` is `//x`.
 * - Errors: {@link RefSyntaxError}, `ref: [<problem>; ]expected <what> at column <n> in "<ref>"[. <hint>]`,
 *   columns 1-based in code points; credential-looking values in the echo become `<redacted>`.
 */
export { RefSyntaxError } from './errors.js';
export { documentKey, formatRef, isNetworkScheme } from './format.js';
export { parseRef, tryParseRef } from './parse.js';
export { selectKey } from './select.js';
// Every type of the grammar, so a new scheme's ref type reaches the public API without a second list to update.
export type * from './types.js';
export { isMintedRef, MINTED_SCHEMES, SCHEMES } from './types.js';
