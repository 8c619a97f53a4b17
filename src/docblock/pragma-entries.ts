/** @internal The entries of one `@credentials` pragma value: separated by commas and/or whitespace. */
export function pragmaEntries(value: string): string[] {
  return value.split(/[\s,]+/).filter((e) => e !== '');
}

/** @internal A credential (and env var) name. */
export const CREDENTIAL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * @internal The names a `@credentials` pragma lists (one value, or one per repeated pragma, as jest-docblock parses
 * them) when every entry names a config credential; undefined when any entry is an inline `NAME=ref` or not a name.
 * A worker may serve such names from grants it already holds: they are the config's, which any test may ask for.
 */
export function configNamesOf(value: string | readonly string[] | undefined): string[] | undefined {
  if (value === undefined) {
    return [];
  }
  const entries = (typeof value === 'string' ? [value] : value).flatMap(pragmaEntries);
  return entries.every((entry) => CREDENTIAL_NAME.test(entry)) ? [...new Set(entries)] : undefined;
}
