import { isHighEntropy } from '../scrub/secret-like.js';
import { isSensitiveParam } from './sensitive.js';

const MAX_DISPLAY = 200;
const REDACTED = '<redacted>';

/**
 * @internal The form of a (possibly malformed) ref input that error messages may echo. Refs are not
 * secrets, but a wrong one can hold one: `?token=…` or `user:password@` are exactly what the grammar
 * rejects, so their values are replaced before the input is printed.
 */
export function displayRefInput(input: string): string {
  let shown = input.replaceAll(/([?&])([^=&#?]*)=([^&#?]*)/g, (whole, sep: string, name: string) =>
    isSensitiveParam(name) ? `${sep}${name}=${REDACTED}` : whole
  );
  // URL userinfo (`vault://user:password@host/…`, `vault://s.token@host/…`). In vault, gcp-sm and azure-kv the
  // first segment never holds an `@`; elsewhere (aws-sm names, paths) only `user:password@` is taken for one.
  shown = shown
    .replace(/^((?:vault|gcp-sm|azure-kv):(?:\/\/)?)[^/?#]*@/, `$1${REDACTED}@`)
    .replace(/^([a-z-]+:(?:\/\/)?)(?!arn:)[^/?#@:]*:[^/?#]*@/, `$1${REDACTED}@`);
  // Without a scheme it is no ref at all, and most likely a value pasted where a ref belongs (`TOKEN=ghp_…` in a
  // docblock): any run that looks like a token is replaced. A ref's own ids (version ids, hex names) stay readable.
  if (!/^[a-z][a-z0-9-]*:/.test(input)) {
    shown = shown.replace(/[^:/#?&=@\s"]+/g, (run) => (isHighEntropy(run) ? REDACTED : run));
  }
  return shown.length > MAX_DISPLAY ? `${shown.slice(0, MAX_DISPLAY)}…` : shown;
}
