import type { Scheme, SopsFormat } from './types.js';

/** @internal One query parameter a scheme accepts. */
export interface ParamSpec {
  readonly name: string;
  /** What a valid value looks like, in words (used in errors). */
  readonly expected: string;
  readonly valid: (value: string) => boolean;
}

const POSITIVE_INTEGER = /^[1-9][0-9]*$/;
const isPositiveInteger = (v: string): boolean => POSITIVE_INTEGER.test(v) && Number.isSafeInteger(Number(v));

/** @internal */
export const SOPS_FORMATS: readonly SopsFormat[] = ['yaml', 'json', 'dotenv', 'ini', 'binary'];

/**
 * Accepted parameters per scheme, in canonical display order (the order `formatRef` prints them).
 * Versions are the only thing a ref may pin; everything else is backend configuration (DESIGN §3).
 */
export const PARAMS: Readonly<Record<Scheme, readonly ParamSpec[]>> = {
  vault: [{ name: 'version', expected: 'a positive integer', valid: isPositiveInteger }],
  'aws-sm': [
    // AWS: VersionId is 32–64 characters (a UUID in practice); VersionStage 1–256 characters.
    {
      name: 'version-id',
      expected: 'a version id (32–64 of A-Z a-z 0-9 -)',
      valid: (v) => /^[A-Za-z0-9-]{32,64}$/.test(v),
    },
    {
      name: 'version-stage',
      expected: 'a staging label such as "AWSCURRENT" (1–256 of A-Z a-z 0-9 _ + = . @ -)',
      valid: (v) => /^[A-Za-z0-9_+=.@-]{1,256}$/.test(v),
    },
  ],
  'gcp-sm': [
    {
      name: 'version',
      expected: 'a positive integer or "latest"',
      valid: (v) => v === 'latest' || isPositiveInteger(v),
    },
  ],
  'azure-kv': [
    { name: 'version', expected: 'a version id (32 hex digits)', valid: (v) => /^[0-9a-fA-F]{32}$/.test(v) },
  ],
  sops: [
    {
      name: 'format',
      expected: `one of ${orList(SOPS_FORMATS)}`,
      valid: (v) => (SOPS_FORMATS as readonly string[]).includes(v),
    },
  ],
  age: [],
  env: [],
  file: [],
  'aws-sts': [],
  'vault-token': [],
  'gcp-token': [],
  'azure-token': [],
};

/** @internal "…" or "…", in words, for error messages. */
export function describeParams(scheme: Scheme): string {
  const names = PARAMS[scheme].map((p) => p.name);
  return names.length === 0 ? `no parameters (${scheme} refs take none)` : orList(names);
}

/** @internal `"a", "b" or "c"`. */
export function orList(items: readonly string[]): string {
  const quoted = items.map((i) => JSON.stringify(i));
  return quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}
