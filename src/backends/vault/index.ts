import type { AuditSink, Backend, FetchContext, Logger, SecretDocument } from '../../contract/backend.js';
import { BrokerError, isBrokerError } from '../../errors.js';
import { MintCache } from '../../login/mint-cache.js';
import { formatRef } from '../../ref/index.js';
import type { VaultRef } from '../../ref/types.js';
import type { SecretValue } from '../../scrub/secret-value.js';
import { readCaFile } from '../../sdk/ca-file.js';
import { untilAborted } from '../../sdk/until-aborted.js';
import { createVaultClient, type SdkImporter, VaultCallError, type VaultClient } from './client.js';
import { readDocument } from './document.js';
import { ENV_VAULT_ADDR, VAULT_DEFAULT_ADDRESS } from './endpoint.js';
import { failureOf, vaultError } from './errors.js';
import { loginToVault, type VaultLogin, vaultLoginKey } from './login.js';
import { type Mount, MountTable } from './mounts.js';
import type { VaultSettings } from './settings.js';
import { readVaultToken } from './token.js';

/** @public Env var naming the Vault namespace when `backends.vault.namespace` is not set (as the CLI). */
export const ENV_VAULT_NAMESPACE = 'VAULT_NAMESPACE';

// close() must not hold a finished run open when Vault has gone away.
const CLOSE_TIMEOUT_MS = 5_000;

/** @internal Seams for tests. */
export interface VaultBackendInternals {
  /** Loads `node-vault`; replaced to simulate a missing package. */
  readonly importSdk?: SdkImporter;
  /** The clock of the login cache and of lease expiry. @default Date.now */
  readonly now?: () => number;
}

interface Connection {
  readonly client: VaultClient;
  readonly address: string;
}

interface Credential {
  readonly token: SecretValue;
  /** Set when the broker minted the token (and may mint another). */
  readonly login?: VaultLogin;
}

interface Lease {
  readonly token: SecretValue;
  readonly ref: string;
}

/**
 * @public `vault:mount/path[#key][?version=N]`: KV v1 and v2 secrets (the mount's version asked of the server unless
 * `kvVersion` says) and dynamic secrets (any other mount, e.g. `database/creds/<role>`). The document is the secret's
 * JSON object; dynamic secrets carry their lease's expiry, and their leases are revoked in `close()`, as are the
 * tokens the broker minted by logging in (JWT, AppRole). A 403 on a minted token drops it and logs in once more.
 */
export function createVaultBackend(
  settings: VaultSettings = {},
  internals: VaultBackendInternals = {}
): Backend<'vault'> {
  const now = internals.now ?? Date.now;
  const auth = settings.auth ?? { method: 'token' };
  const mounts = new MountTable(settings.kvVersion ?? 'auto');
  const loginName =
    auth.method === 'token'
      ? 'token'
      : `${auth.method} login at auth/${auth.mount ?? auth.method}${auth.method === 'jwt' ? `, role ${auth.role}` : ''}`;
  const logins = new MintCache<VaultLogin>({
    now,
    backend: 'vault',
    timeoutHint: "Check that Vault's login path and the token source answer",
    onMint: (_key, expiresAt) => audit?.minted({ backend: 'vault', identity: loginName, expiresAt }),
  });
  const minted: VaultLogin[] = [];
  const leases = new Map<string, Lease>();
  let connection: Promise<Connection> | undefined;
  let log: Logger | undefined;
  let audit: AuditSink | undefined;
  let closed: Promise<void> | undefined;
  // A login is shared by concurrent fetches, so it answers to the backend's lifetime, not to one fetch's signal.
  const closing = new AbortController();

  const connect = (ctx: FetchContext, ref: string): Promise<Connection> => {
    if (connection === undefined) {
      connection = open(settings, ctx, ref, internals.importSdk);
      connection.catch(() => {
        connection = undefined;
      });
    }
    return connection;
  };

  const credential = async (conn: Connection, ref: string, ctx: FetchContext): Promise<Credential> => {
    if (auth.method === 'token') {
      return { token: await readVaultToken({ env: auth.env, ref, ctx }) };
    }
    const shared = logins.get(vaultLoginKey(auth), async () => {
      const result = await loginToVault(auth, {
        client: conn.client,
        ref,
        address: conn.address,
        ctx: { ...ctx, signal: closing.signal },
        now,
      });
      minted.push(result.value);
      const ttl = result.expiresAt === undefined ? 'no expiry' : `expires ${result.expiresAt.toISOString()}`;
      ctx.log.debug(`vault: logged in with ${auth.method} at auth/${auth.mount ?? auth.method} (${ttl})`);
      return result;
    });
    const login = await untilAborted(shared, ctx.signal, () =>
      vaultError(new VaultCallError({ kind: 'aborted' }, undefined), {
        operation: `${auth.method} login for`,
        ref,
        address: conn.address,
        login: true,
      })
    );
    return { token: login.token, login };
  };

  const read = async (
    conn: Connection,
    ref: VaultRef,
    cred: Credential,
    ctx: FetchContext
  ): Promise<SecretDocument> => {
    const display = formatRef(ref);
    const mount = await mounts.mountOf(ref, async (path) => {
      try {
        return await conn.client.read(`sys/internal/ui/mounts/${path}`, cred.token, ctx.signal);
      } catch (error) {
        const failure = failureOf(error);
        if (failure?.kind === 'status' && failure.status === 404) {
          return undefined;
        }
        throw vaultError(error, {
          operation: 'detect the mount of',
          ref: display,
          address: conn.address,
          deniedHint: `Check that ${ref.mount}/ is a mount and that the token's policies grant access to ${path}, or set backends.vault.kvVersion`,
        });
      }
    });
    checkVersion(ref, mount, display);
    const { document, lease } = await readDocument(conn, ref, mount, cred.token, ctx.signal, now);
    if (lease !== undefined) {
      leases.set(lease, { token: cred.token, ref: display });
    }
    return document;
  };

  return {
    scheme: 'vault',
    async fetch(ref, ctx) {
      log = ctx.log;
      audit = ctx.audit;
      const display = formatRef(ref);
      const conn = await connect(ctx, display);
      const cred = await credential(conn, display, ctx);
      try {
        return await read(conn, ref, cred, ctx);
      } catch (error) {
        if (cred.login === undefined || !isBrokerError(error) || error.code !== 'DENIED' || auth.method === 'token') {
          throw error;
        }
        // The minted token was refused (revoked, expired early): drop it once, log in once more, retry once.
        ctx.log.debug(`vault: the token was refused reading "${display}"; logging in again`);
        if (logins.values().includes(cred.login)) {
          logins.invalidate(vaultLoginKey(auth));
        }
        return await read(conn, ref, await credential(conn, display, ctx), ctx);
      }
    },
    close() {
      closing.abort();
      closed ??= revokeAll();
      return closed;
    },
  };

  async function revokeAll(): Promise<void> {
    const conn = await connection?.catch(() => undefined);
    if (conn === undefined) {
      return;
    }
    const signal = AbortSignal.timeout(CLOSE_TIMEOUT_MS);
    const warn = (error: unknown, operation: string, ref: string) =>
      log?.warn(vaultError(error, { operation, ref, address: conn.address }).message);
    // Leases first: revoking a token revokes its leases, after which revoking them one by one would be refused.
    const owned = [...leases];
    leases.clear();
    const mintedTokens = new Set(minted.map((l) => l.token.reveal()));
    // Leases that go with their minted login token (revoke-self), by the token's text: audited with the token.
    const viaToken = new Map<string, string[]>();
    await Promise.all(
      [...groupByToken(owned)].map(async ([token, group]) => {
        // The `default` policy does not grant sys/leases/revoke (policy_store.go): ask before trying, so an ordinary
        // role revokes through its own login token (revoke-self takes the child leases along) instead of failing.
        if (!(await mayRevokeLeases(conn.client, token, signal))) {
          const refs = group.map(([, lease]) => lease.ref);
          if (mintedTokens.has(token.reveal())) {
            viaToken.set(token.reveal(), refs);
          } else {
            log?.warn(leaseWarning(refs));
            for (const ref of refs) {
              audit?.revoked({ backend: 'vault', what: 'lease', of: ref, ok: false });
            }
          }
          return;
        }
        await Promise.all(
          group.map(([id, lease]) =>
            conn.client.revokeLease(id, lease.token, signal).then(
              () => audit?.revoked({ backend: 'vault', what: 'lease', of: lease.ref, ok: true }),
              (e: unknown) => {
                audit?.revoked({ backend: 'vault', what: 'lease', of: lease.ref, ok: false });
                warn(e, 'revoke the lease of', lease.ref);
              }
            )
          )
        );
      })
    );
    // A minted token, and the leases it takes along (revoke-self), are revoked together: audited together.
    const auditToken = (login: VaultLogin, ok: boolean) => {
      for (const ref of viaToken.get(login.token.reveal()) ?? []) {
        audit?.revoked({ backend: 'vault', what: 'lease', of: ref, ok });
      }
      audit?.revoked({ backend: 'vault', what: 'token', of: loginName, ok });
    };
    const live = minted.splice(0).filter((l) => l.expiresAt === undefined || l.expiresAt.getTime() > now());
    await Promise.all(
      live.map((l) =>
        conn.client.revokeSelf(l.token, signal).then(
          () => auditToken(l, true),
          (e: unknown) => {
            auditToken(l, false);
            warn(e, 'revoke the token of', `${auth.method} login`);
          }
        )
      )
    );
  }
}

// By the token's text: each fetch with a static token holds its own SecretValue of the same token. The map never
// leaves this function's caller.
function groupByToken(owned: readonly [string, Lease][]): Map<SecretValue, [string, Lease][]> {
  const byText = new Map<string, [string, Lease][]>();
  for (const entry of owned) {
    const text = entry[1].token.reveal();
    byText.set(text, [...(byText.get(text) ?? []), entry]);
  }
  return new Map([...byText.values()].map((group) => [group[0]![1].token, group]));
}

/** Whether the token may `update` sys/leases/revoke; a failed probe counts as yes (the revoke then says why). */
async function mayRevokeLeases(client: VaultClient, token: SecretValue, signal: AbortSignal): Promise<boolean> {
  try {
    const caps = (await client.capabilities([LEASE_REVOKE_PATH], token, signal))[LEASE_REVOKE_PATH] ?? [];
    return caps.some((c) => c === 'update' || c === 'sudo' || c === 'root');
  } catch {
    return true;
  }
}

/** @internal The policy line that lets a token revoke its dynamic-secret leases. */
export const LEASE_REVOKE_POLICY = 'path "sys/leases/revoke" { capabilities = ["update"] }';
const LEASE_REVOKE_PATH = 'sys/leases/revoke';

function leaseWarning(refs: readonly string[]): string {
  const names = [...new Set(refs)].map((ref) => `"${ref}"`).join(', ');
  return `vault: the lease(s) of ${names} live on until their TTL ends: the token may not revoke them. Grant its policy ${LEASE_REVOKE_POLICY}, or log in with backends.vault.auth (jwt, kubernetes, approle) so the broker revokes its own token and its leases`;
}

async function open(
  settings: VaultSettings,
  ctx: FetchContext,
  ref: string,
  importSdk: SdkImporter | undefined
): Promise<Connection> {
  const address = (settings.address ?? ctx.env[ENV_VAULT_ADDR] ?? VAULT_DEFAULT_ADDRESS).replace(/\/+$/, '');
  const namespace = settings.namespace ?? (ctx.env[ENV_VAULT_NAMESPACE] || undefined);
  let ca: string | undefined;
  if (settings.caFile !== undefined) {
    ca = await readCaFile(settings.caFile, ctx, { backend: 'vault', operation: 'connect for', ref });
  }
  const client = await createVaultClient(
    { address, ...(namespace === undefined ? {} : { namespace }), ...(ca === undefined ? {} : { ca }) },
    importSdk
  );
  return { client, address };
}

function checkVersion(ref: VaultRef, mount: Mount, display: string): void {
  if (ref.version === undefined || mount.kind === 'kv2') {
    return;
  }
  const reason =
    mount.kind === 'kv1'
      ? `${mount.path} is a KV v1 mount, which keeps no versions`
      : `${mount.path} is not a KV mount, so it has no versions`;
  throw new BrokerError('UNSUPPORTED', reason, {
    backend: 'vault',
    operation: 'read',
    ref: display,
    hint:
      mount.detected || mount.kind === 'other'
        ? 'Drop "?version"'
        : 'Drop "?version", or set backends.vault.kvVersion to 2 (or "auto") if the mount is KV v2',
  });
}
