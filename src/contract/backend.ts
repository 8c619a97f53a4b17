import type { RefOf, Scheme } from '../ref/types.js';
import type { SecretValue } from '../scrub/secret-value.js';

/**
 * @public What a backend returns for one secret *document*. The core, not the backend, selects the
 * `#key` of a ref, so `vault:secret/db#url` and `vault:secret/db#user` cost one fetch (G2).
 */
export interface SecretDocument {
  /** The whole document as text: what a ref without `#key` yields. */
  readonly text: SecretValue;
  /**
   * A structured view for `#key` selection, behind a function so that logging the document prints
   * nothing. Leaves should be strings already rendered the way the source tool prints them (e.g. `sops -d`);
   * numbers, booleans and null are rendered with `String()`. Absent: the core parses `text` as JSON on demand.
   */
  readonly tree?: () => unknown;
  /** Version label the backend reports, safe to show. */
  readonly version?: string;
  /** When the value stops being valid (leases, minted credentials). */
  readonly expiresAt?: Date;
}

/** @public Minimal logger. Everything written through it is scrubbed by the broker before it is printed. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

/**
 * @public Where backends report the short-lived credentials they mint and the leases and tokens they revoke, for the
 * run's audit record. Identities, roles and times only — never a token or a value.
 */
export interface AuditSink {
  minted(event: MintEvent): void;
  revoked(event: RevokeEvent): void;
}

/** @public One mint: which backend, as which identity (role, service account, login method), valid until when. */
export interface MintEvent {
  readonly backend: string;
  readonly identity: string;
  readonly expiresAt: Date | undefined;
}

/** @public One revocation when the run ends: a Vault lease (by the ref it was read for) or a token the broker minted. */
export interface RevokeEvent {
  readonly backend: string;
  readonly what: 'lease' | 'token';
  /** The ref a lease was read for, or the login a token came from. */
  readonly of: string;
  /** False when the backend refused or did not answer (the lease or token then lapses at its expiry). */
  readonly ok: boolean;
}

/** @public Passed to every fetch. Backends read the environment from here, never from `process.env`. */
export interface FetchContext {
  /** Aborted when the per-fetch timeout fires or the run is interrupted. */
  readonly signal: AbortSignal;
  /** The environment of the resolving process. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory that relative paths in refs (`sops:`, `age:`, `file:`) are resolved against. */
  readonly baseDir: string;
  readonly log: Logger;
  /** The run's audit record, when there is one. */
  readonly audit?: AuditSink;
}

/** @public A backend instance: one required method (G2). */
export interface Backend<S extends Scheme = Scheme> {
  readonly scheme: S;
  /**
   * Fetch one document. Throw `BrokerError` with a closed code; set `transient: true` only for
   * failures a retry may cure (connection reset, 5xx, throttling).
   */
  fetch(ref: RefOf<S>, ctx: FetchContext): Promise<SecretDocument>;
  /** Release clients, revoke leases. Called once when the run ends. */
  close?(): Promise<void>;
}

/** @public Builds a backend from its settings (`backends.<scheme>` in the config, already validated). */
export type BackendFactory<S extends Scheme = Scheme> = (
  settings: BackendSettings<S>
) => Backend<S> | Promise<Backend<S>>;

/** @public Settings per scheme, as validated by the config schema. */
// biome-ignore lint/suspicious/noExplicitAny: each backend narrows its own settings; the registry is generic.
export type BackendSettings<_S extends Scheme = Scheme> = Readonly<Record<string, any>>;

/** @public Where a ref's secret lives, computed without I/O for the manifest and the egress gate. */
export interface Endpoint {
  /** `file` and `env` never touch the network. `url` does. */
  readonly kind: 'file' | 'env' | 'url';
  /** Human-readable: a path, `env:NAME`, or an URL/host. */
  readonly display: string;
  /** Hostname (or IP literal) for `url` endpoints. */
  readonly host?: string;
  /** True when the host was set by the user (a custom endpoint) rather than the service's default. */
  readonly custom?: boolean;
}

/** @public What a minted credential asks for beyond its role: lifetime and scope. */
export interface MintRequest {
  readonly durationSeconds?: number;
  /** A session policy, as JSON text. */
  readonly policy?: string;
  /** `vault-token:` child token policies, TTL and uses. */
  readonly policies?: readonly string[];
  readonly ttl?: string;
  readonly numUses?: number;
  /** `gcp-token:` OAuth scopes of the access token. */
  readonly scopes?: readonly string[];
  /** `azure-token:` the scope asked of Entra (`https://vault.azure.net/.default`). */
  readonly scope?: string;
}
