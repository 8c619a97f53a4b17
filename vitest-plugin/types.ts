import type { SessionHandle } from '../src/contract/wire.js';
import type { CredentialValues, RegisteredName } from '../src/names.js';

/**
 * @public This module's registry of names, kept for configs written before the shared one: prefer the global
 * `CredentialBroker.CredentialNames`, which types Vitest and Jest alike (see docs/vitest.md, "Typed names").
 * Augmenting this one still works, in a file that is a module (one with an `import` or `export {}`):
 *
 * ```ts
 * export {};
 * declare module 'credential-broker/vitest' {
 *   interface CredentialNames { DATABASE_URL: true; KUBECONFIG: true }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: an empty interface is the augmentation point
export interface CredentialNames {}

/** @public A credential name: a registered one, or any string while no name is registered. */
export type CredentialName = RegisteredName<CredentialNames>;

export type { CredentialValues };

/** @public Why one credential of a test was not delivered (egress disabled). */
export interface MissingCredential {
  readonly name: string;
  readonly reason: string;
}

/**
 * @public The `credentials` test fixture. Call it with the names a test needs; it resolves to their values, and
 * for the test's duration sets their env vars (sequential tests only) and writes their 0600 files.
 * When egress is disabled and a name needs the network, the test is skipped with the reason.
 */
export interface CredentialsFixture {
  <const K extends CredentialName>(...names: readonly [K, ...K[]]): Promise<CredentialValues<K>>;
  /** Paths of the 0600 files delivered so far in this test (credentials delivered as `file` or `both`). */
  readonly files: Readonly<Partial<Record<CredentialName, string>>>;
}

/** @public Test options that declare credentials for one test or a whole `describe` (see {@link withCredentials}). */
export interface CredentialTestOptions<K extends CredentialName = CredentialName> {
  readonly meta: { readonly credentials: readonly K[] };
}

/** @internal The key under which the session handle is provided to workers. */
export const PROVIDE_KEY = 'credentialBroker';

/**
 * @internal The provided handle: how workers reach the session, and a one-time ticket minted for each worker run,
 * which the broker's setup file takes out before any test code runs (a test finds no ticket).
 */
export type ProvidedHandle = SessionHandle & { readonly ticket?: string };

declare module 'vitest' {
  interface ProvidedContext {
    /** Set by credential-broker's global setup: how workers reach the session (no values, no ticket). */
    credentialBroker: ProvidedHandle;
  }
  interface TaskMeta {
    /** Credentials this test (or suite) declares; materialised as env vars and files for each test. */
    credentials?: readonly CredentialName[];
    /** Set by credential-broker when it skipped the test: the reason, naming what was missing. */
    credentialSkip?: string;
    /** Set by credential-broker when it skipped the test: each missing credential and why. */
    credentialsMissing?: readonly MissingCredential[];
    /** Set by credential-broker's egress guard: each connection outside the declared destinations, as in the summary. */
    egressFindings?: readonly string[];
  }
}
