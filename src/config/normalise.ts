import type { Badge } from '../backends/labels.js';
import type { MintRequest } from '../contract/backend.js';
import type { Delivery } from '../contract/wire.js';
import { parseRef } from '../ref/index.js';
import { isMintedRef, type SecretRef } from '../ref/types.js';
import type { BrokerConfig } from './schema.js';

export type { MintRequest };

/** @public A declared destination: where a test sends the credential. */
export interface Destination {
  readonly url: string;
  readonly label?: Badge | undefined;
}

/** @public One credential, normalised from the config or a docblock. */
export interface CredentialSpec {
  readonly name: string;
  readonly ref: SecretRef;
  readonly delivery: Delivery;
  /** Env var that receives the value (`env`, `both`) or the file path (`file`). */
  readonly envName: string;
  /** Name of the 0600 file inside the test's private directory (`file`, `both`). */
  readonly fileName: string;
  readonly destination?: Destination;
  /** `config` or the test file that declared it inline. */
  readonly origin: string;
  /** `env:` refs: leave the source variable in the environment the workers and tests inherit (config `keepSource`). */
  readonly keepSource?: boolean;
  /** Minted refs: what to ask of the token exchange. */
  readonly mint?: MintRequest;
}

/** @public The validated config plus where it came from. */
export interface LoadedConfig {
  readonly config: BrokerConfig;
  /** Absolute path of the config file; undefined for inline configs. */
  readonly file: string | undefined;
  /** Relative paths in refs resolve against this directory. */
  readonly dir: string;
  readonly credentials: ReadonlyMap<string, CredentialSpec>;
  /**
   * Set when no config file was found (and none was given inline): the directory the search started from. What
   * declares a credential then fails with `noConfigError` rather than "the config does not declare X".
   */
  readonly searched?: string;
}

/** `both` puts the value in NAME and the path in NAME_FILE, the convention of Docker secrets and many images. */
export const FILE_PATH_SUFFIX = '_FILE';

/** Minted schemes whose SDKs' default chains read an endpoint: delivered that way unless the entry says `as`. */
const ENDPOINT_BY_DEFAULT: ReadonlySet<string> = new Set(['aws-sts', 'gcp-token', 'azure-token']);

/** @internal */
export function normaliseCredentials(config: BrokerConfig): Map<string, CredentialSpec> {
  const specs = new Map<string, CredentialSpec>();
  for (const [name, entry] of Object.entries(config.credentials ?? {})) {
    const spec = typeof entry === 'string' ? { ref: entry } : entry;
    const destination =
      spec.destination === undefined
        ? undefined
        : typeof spec.destination === 'string'
          ? { url: spec.destination }
          : spec.destination;
    const ref = parseRef(spec.ref);
    const mint = {
      ...(typeof entry === 'string' || entry.duration === undefined ? {} : { durationSeconds: entry.duration }),
      ...(typeof entry === 'string' || entry.sessionPolicy === undefined
        ? {}
        : { policy: JSON.stringify(entry.sessionPolicy) }),
      ...(typeof entry === 'string' || entry.policies === undefined ? {} : { policies: entry.policies }),
      ...(typeof entry === 'string' || entry.ttl === undefined ? {} : { ttl: entry.ttl }),
      ...(typeof entry === 'string' || entry.numUses === undefined ? {} : { numUses: entry.numUses }),
      ...(typeof entry === 'string' || entry.scopes === undefined ? {} : { scopes: entry.scopes }),
      ...(typeof entry === 'string' || entry.scope === undefined ? {} : { scope: entry.scope }),
    };
    specs.set(name, {
      name,
      ref,
      // Minted credentials default to the endpoint the SDKs' default chains refresh from.
      delivery: spec.as ?? (ENDPOINT_BY_DEFAULT.has(ref.scheme) ? 'endpoint' : 'env'),
      envName: spec.env ?? name,
      fileName: spec.file ?? name,
      ...(destination === undefined ? {} : { destination }),
      origin: 'config',
      ...(spec.keepSource === true ? { keepSource: true } : {}),
      ...(isMintedRef(ref) ? { mint } : {}),
    });
  }
  return specs;
}

/** @internal A docblock's inline `NAME=ref`: delivered as an env var named NAME. */
export function inlineCredential(name: string, ref: SecretRef, origin: string): CredentialSpec {
  if (isMintedRef(ref)) {
    const delivery = ENDPOINT_BY_DEFAULT.has(ref.scheme) ? 'endpoint' : 'env';
    return { name, ref, delivery, envName: name, fileName: name, origin, mint: {} };
  }
  return { name, ref, delivery: 'env', envName: name, fileName: name, origin };
}
