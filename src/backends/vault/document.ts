import type { SecretDocument } from '../../contract/backend.js';
import { BrokerError } from '../../errors.js';
import { formatRef } from '../../ref/index.js';
import type { VaultRef } from '../../ref/types.js';
import { SecretValue } from '../../scrub/secret-value.js';
import type { VaultClient, VaultEnvelope } from './client.js';
import { failureOf, vaultError } from './errors.js';
import { type Mount, readPath } from './mounts.js';

/** @internal A read secret, and the lease to revoke when the run ends (dynamic secrets). */
export interface ReadResult {
  readonly document: SecretDocument;
  readonly lease?: string;
}

/**
 * @internal Reads one secret: KV v2 `GET <mount>/data/<path>[?version=N]` (document `data.data`, version
 * `data.metadata.version`); KV v1 and other mounts `GET <mount>/<path>` (document `data`, with the lease's expiry
 * when the answer carries a lease).
 */
export async function readDocument(
  conn: { readonly client: VaultClient; readonly address: string },
  ref: VaultRef,
  mount: Mount,
  token: SecretValue,
  signal: AbortSignal,
  now: () => number
): Promise<ReadResult> {
  const display = formatRef(ref);
  const path = readPath(ref, mount);
  const query = mount.kind === 'kv2' && ref.version !== undefined ? `?version=${ref.version}` : '';
  let envelope: VaultEnvelope;
  try {
    envelope = await conn.client.read(`${path}${query}`, token, signal);
  } catch (error) {
    const failure = failureOf(error);
    const gone = failure?.kind === 'status' && failure.status === 404 ? removedVersion(failure.body) : undefined;
    if (gone !== undefined) {
      throw removed(gone, display, (error as Error).cause);
    }
    throw vaultError(error, {
      operation: 'read',
      ref: display,
      address: conn.address,
      deniedHint: `Check that the token's policies grant read on ${path}`,
      notFoundHint: `Check the mount and path; read ${path}${kindNote(mount)}`,
      rejectedHint: `Check that ${path} can be read${mount.kind === 'other' ? ' (for dynamic secrets: that the role exists)' : ''}`,
    });
  }

  const started = now();
  let secret: unknown;
  let version: string | undefined;
  if (mount.kind === 'kv2') {
    const data = envelope.data as { data?: unknown; metadata?: { version?: unknown } } | null | undefined;
    const gone = data?.data === null ? removedVersion(envelope) : undefined;
    if (gone !== undefined) {
      throw removed(gone, display, undefined);
    }
    secret = data?.data;
    version = typeof data?.metadata?.version === 'number' ? String(data.metadata.version) : undefined;
  } else {
    secret = envelope.data;
  }
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new BrokerError('UNAVAILABLE', 'Vault answered without a secret object', {
      backend: 'vault',
      operation: 'read',
      ref: display,
      hint: `Check that ${path} is a secret${kindNote(mount)}`,
    });
  }
  const lease = typeof envelope.lease_id === 'string' && envelope.lease_id !== '' ? envelope.lease_id : undefined;
  const seconds = envelope.lease_duration ?? 0;
  const document: SecretDocument = {
    text: new SecretValue(JSON.stringify(secret), display),
    tree: () => secret,
    ...(version === undefined ? {} : { version }),
    ...(lease !== undefined && seconds > 0 ? { expiresAt: new Date(started + seconds * 1000) } : {}),
  };
  return { document, ...(lease === undefined ? {} : { lease }) };
}

function kindNote(mount: Mount): string {
  if (mount.kind === 'other') {
    return ' (not a KV mount, as Vault reports it)';
  }
  const kv = mount.kind === 'kv2' ? 'KV v2' : 'KV v1';
  return ` as ${kv}${mount.detected ? ', as Vault reports the mount' : ', per backends.vault.kvVersion'}`;
}

interface Removed {
  readonly version: number | undefined;
  readonly destroyed: boolean;
}

// KV v2 answers a deleted or destroyed version with 404 and the metadata, not an error list (path_data.go).
function removedVersion(body: unknown): Removed | undefined {
  const metadata = (body as { data?: { metadata?: unknown } } | null | undefined)?.data?.metadata as
    | { deletion_time?: unknown; destroyed?: unknown; version?: unknown }
    | undefined;
  if (metadata === undefined || metadata === null) {
    return undefined;
  }
  const destroyed = metadata.destroyed === true;
  const deleted = typeof metadata.deletion_time === 'string' && metadata.deletion_time !== '';
  if (!destroyed && !deleted) {
    return undefined;
  }
  return { version: typeof metadata.version === 'number' ? metadata.version : undefined, destroyed };
}

function removed(gone: Removed, display: string, cause: unknown): BrokerError {
  const which = gone.version === undefined ? 'the requested version' : `version ${gone.version}`;
  return new BrokerError('NOT_FOUND', `${which} was ${gone.destroyed ? 'destroyed' : 'deleted'}`, {
    backend: 'vault',
    operation: 'read',
    ref: display,
    hint: gone.destroyed
      ? 'Read another version with "?version=N"'
      : 'Undelete it (vault kv undelete) or read another version with "?version=N"',
    ...(cause === undefined ? {} : { cause }),
  });
}
