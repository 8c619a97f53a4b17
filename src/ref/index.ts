/**
 * The reference grammar (DESIGN §3): parse, display, document identity and `#key` selection.
 */
export { RefSyntaxError } from './errors.js';
export { documentKey, formatRef, isNetworkScheme } from './format.js';
export { parseRef, tryParseRef } from './parse.js';
export { selectKey } from './select.js';
export type {
  AgeRef,
  AwsSmRef,
  AzureKvRef,
  EnvRef,
  FileRef,
  GcpSmRef,
  KeySelector,
  RefOf,
  Scheme,
  SecretRef,
  SopsFormat,
  SopsRef,
  VaultRef,
} from './types.js';
export { SCHEMES } from './types.js';
