import type { VaultRef } from '../../ref/types.js';
import type { VaultEnvelope } from './client.js';

/** @internal What a mount serves: KV v1, KV v2 (versioned, `data/` paths), or anything else (dynamic secrets). */
export type MountKind = 'kv1' | 'kv2' | 'other';

/** @internal A secrets engine mount, `path` with its trailing slash as Vault writes it (`secret/`, `team/kv/`). */
export interface Mount {
  readonly path: string;
  readonly kind: MountKind;
  /** Whether the kind was asked of the server (for messages). */
  readonly detected: boolean;
}

/**
 * @internal Asks Vault what mount a path is in, as `vault kv get` does:
 * `GET sys/internal/ui/mounts/<path>`; `undefined` when the server does not know the endpoint (404: Vault before 0.10).
 */
export type DetectMount = (path: string) => Promise<VaultEnvelope | undefined>;

/**
 * @internal The mounts met so far. With `kvVersion` 1 or 2 every ref's first segment is a KV mount of that version
 * and nothing is asked; with `auto` each mount is asked once (Vault refuses nested mounts, so a known mount path
 * that prefixes a ref's path is that ref's mount).
 */
export class MountTable {
  readonly #kvVersion: 1 | 2 | 'auto';
  readonly #known = new Map<string, Mount>();
  readonly #pending = new Map<string, Promise<Mount>>();

  constructor(kvVersion: 1 | 2 | 'auto') {
    this.#kvVersion = kvVersion;
  }

  async mountOf(ref: VaultRef, detect: DetectMount): Promise<Mount> {
    if (this.#kvVersion !== 'auto') {
      return { path: `${ref.mount}/`, kind: this.#kvVersion === 1 ? 'kv1' : 'kv2', detected: false };
    }
    const full = `${ref.mount}/${ref.path}/`;
    const known = this.#find(full);
    if (known !== undefined) {
      return known;
    }
    const running = this.#pending.get(ref.mount);
    if (running !== undefined) {
      await running.catch(() => undefined);
      const found = this.#find(full);
      if (found !== undefined) {
        return found;
      }
    }
    const flight = detect(`${ref.mount}/${ref.path}`).then((envelope) => {
      const mount = describeMount(envelope, `${ref.mount}/`);
      this.#known.set(mount.path, mount);
      return mount;
    });
    this.#pending.set(ref.mount, flight);
    try {
      return await flight;
    } finally {
      if (this.#pending.get(ref.mount) === flight) {
        this.#pending.delete(ref.mount);
      }
    }
  }

  #find(full: string): Mount | undefined {
    for (const [path, mount] of this.#known) {
      if (full.startsWith(path)) {
        return mount;
      }
    }
    return undefined;
  }
}

// The vault CLI's reading of the preflight answer (`kvPreflightVersionRequest`): no options or version "1" is v1.
function describeMount(envelope: VaultEnvelope | undefined, fallback: string): Mount {
  if (envelope === undefined) {
    return { path: fallback, kind: 'kv1', detected: true };
  }
  const data = (envelope.data ?? {}) as { path?: unknown; type?: unknown; options?: { version?: unknown } | null };
  const path = typeof data.path === 'string' && data.path.endsWith('/') ? data.path : fallback;
  if (data.type !== 'kv' && data.type !== 'generic') {
    return { path, kind: 'other', detected: true };
  }
  return { path, kind: data.options?.version === '2' ? 'kv2' : 'kv1', detected: true };
}

/** @internal The API path a ref reads in its mount: `<mount>/data/<rest>` for KV v2, the path itself otherwise. */
export function readPath(ref: VaultRef, mount: Mount): string {
  const full = `${ref.mount}/${ref.path}`;
  if (mount.kind !== 'kv2') {
    return full;
  }
  const rest = full.startsWith(mount.path) ? full.slice(mount.path.length) : ref.path;
  return `${mount.path}data/${rest}`;
}
