import { parseRef } from '../ref/index.js';
import type { SecretRef } from '../ref/types.js';

/**
 * Turns `{ ref: value }` into what each local server must hold so that the broker, resolving that ref through the
 * official SDK, gets `value` back: a ref with `#key` stores a JSON document with that key (refs naming other keys of
 * the same secret share the document), a ref without one stores the plain value.
 */

/** @internal The seeds of one run, per server. */
export interface Seeds {
  /** Vault KV v2: mount → path → fields. */
  readonly vault: Map<string, Map<string, Record<string, string>>>;
  /** Secrets Manager: name → stored text. */
  readonly awsSm: Map<string, Stored>;
  /** Secret Manager: `project/secret` → stored text. */
  readonly gcpSm: Map<string, Stored>;
  /** Key Vault: secret name → stored text (one server answers every vault name). */
  readonly azureKv: Map<string, Stored>;
  /** The vault names the refs use, for `endpoints`. */
  readonly azureVaults: Set<string>;
}

/** @internal A stored secret: plain text, or fields that become a JSON document. */
export type Stored = { readonly text: string } | { readonly fields: Record<string, string> };

/** @internal Parses every ref and groups the values; throws on a ref the local servers cannot seed. */
export function seedsOf(values: Readonly<Record<string, string>>): Seeds {
  const seeds: Seeds = {
    vault: new Map(),
    awsSm: new Map(),
    gcpSm: new Map(),
    azureKv: new Map(),
    azureVaults: new Set(),
  };
  for (const [text, value] of Object.entries(values)) {
    if (typeof value !== 'string') {
      throw new TypeError(`startBackends: the value of ${text} must be a string`);
    }
    const ref = parseRef(text);
    const key = fieldOf(ref, text);
    switch (ref.scheme) {
      case 'vault': {
        if (ref.version !== undefined || key === undefined) {
          throw new TypeError(
            `startBackends: ${text}: Vault secrets are key/value maps; seed one field of the current version, e.g. vault:${ref.mount}/${ref.path}#password (use startFakeVault for versions)`
          );
        }
        const mount = seeds.vault.get(ref.mount) ?? new Map<string, Record<string, string>>();
        seeds.vault.set(ref.mount, mount);
        mount.set(ref.path, { ...mount.get(ref.path), [key]: value });
        break;
      }
      case 'aws-sm':
        if (ref.versionId !== undefined || ref.versionStage !== undefined || ref.id.startsWith('arn:')) {
          throw new TypeError(
            `startBackends: ${text}: seed a secret by name and its current version (use startAwsFake for ARNs, versions and stages)`
          );
        }
        store(seeds.awsSm, ref.id, key, value, text);
        break;
      case 'gcp-sm':
        if (ref.version !== 'latest') {
          throw new TypeError(
            `startBackends: ${text}: seed the latest version (use startGcpSecretManager for numbered versions)`
          );
        }
        store(seeds.gcpSm, `${ref.project}/${ref.secret}`, key, value, text);
        break;
      case 'azure-kv':
        if (ref.version !== undefined) {
          throw new TypeError(
            `startBackends: ${text}: seed the current version (use startKeyVault for numbered versions)`
          );
        }
        seeds.azureVaults.add(ref.vault);
        store(seeds.azureKv, ref.name, key, value, text);
        break;
      default:
        throw new TypeError(
          `startBackends: ${text}: ${ref.scheme}: refs need no server; only vault:, aws-sm://, gcp-sm:// and azure-kv:// refs are seeded`
        );
    }
  }
  return seeds;
}

/** @internal The stored text of a seed. */
export function textOf(stored: Stored): string {
  return 'text' in stored ? stored.text : JSON.stringify(stored.fields);
}

function fieldOf(ref: SecretRef, text: string): string | undefined {
  if (ref.key === undefined) {
    return undefined;
  }
  if (ref.key.kind === 'pointer') {
    throw new TypeError(`startBackends: ${text}: seed a top-level field (#name), not a JSON Pointer`);
  }
  return ref.key.name;
}

function store(into: Map<string, Stored>, name: string, key: string | undefined, value: string, text: string): void {
  const held = into.get(name);
  if (key === undefined) {
    if (held !== undefined) {
      throw new TypeError(`startBackends: ${text}: the secret is seeded twice, once as plain text`);
    }
    into.set(name, { text: value });
    return;
  }
  if (held !== undefined && 'text' in held) {
    throw new TypeError(`startBackends: ${text}: the secret is seeded twice, once as plain text`);
  }
  into.set(name, { fields: { ...held?.fields, [key]: value } });
}
