/**
 * The wire contract between the two processes: what the host's session hands a worker (a `SessionHandle`) and what
 * a worker receives per test (a `Grant`). Types only, so both sides and the IPC layer depend on it and on nothing above.
 */
import type { GuardPolicy } from '../guard/policy.js';
import type { Logger } from './backend.js';

/**
 * @public How a credential reaches a test. `env`: the value in env var `envName`. `file`: a 0600 file whose path
 * is in env var `envName`. `both`: the value in `envName` and the file's path in `${envName}_FILE`.
 */
export type Delivery = 'env' | 'file' | 'both' | 'endpoint';

/** @public Options to start a broker session in the main process of a run. */
export interface SessionOptions {
  /** Where to look for `credential-broker.config.*` (upwards). @default process.cwd() */
  readonly cwd?: string;
  /** Explicit config file, or an inline config object (then no file is searched). */
  readonly configFile?: string;
  readonly config?: unknown;
  /** Overrides `egress.enabled` (CLI `--egress`). `CREDENTIAL_BROKER_EGRESS=1` also turns it on. */
  readonly egress?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log?: Logger;
}

/**
 * @public The small, serialisable handle a worker needs to reach the session: where its Unix socket is and how to
 * scrub. It carries no secret and no credential: a worker proves itself with a one-time ticket the runner hands it
 * in its own message to that worker (see `BrokerSession.issueTicket` in host/session.ts), never through a file or the environment.
 */
export interface SessionHandle {
  readonly socketPath: string;
  readonly scratchRoot: string;
  readonly egressEnabled: boolean;
  /** Replacement template for scrubbed values, e.g. `[redacted:{name}]`. */
  readonly replacement: string;
  readonly minScrubLength: number;
  /** The egress guard's policy for the workers (hosts and names only); absent when `egress.guard` is `off`. */
  readonly guard?: GuardPolicy;
}

/** @public One credential as a worker receives it for one test. */
export type Grant =
  | {
      readonly name: string;
      readonly status: 'ok';
      readonly value: string;
      readonly delivery: Delivery;
      readonly envName: string;
      readonly fileName: string;
      /**
       * Minted credentials: the variables the test gets (an SDK's standard ones, or its credentials endpoint), empty
       * strings hiding competing sources. Replaces `envName`/`value` delivery.
       */
      readonly vars?: Readonly<Record<string, string>>;
      /** Minted credentials: the secret parts to scrub in the worker (`value` is then not a secret). */
      readonly secrets?: readonly string[];
      /** Minted credentials: asked for again by every test, never cached in the worker. */
      readonly perTest?: boolean;
      /** An endpoint to close when the test releases the credential: DELETE `url` with header `authorization`. */
      readonly close?: { readonly url: string; readonly authorization: string };
    }
  | { readonly name: string; readonly status: 'skipped'; readonly reason: string }
  | { readonly name: string; readonly status: 'error'; readonly code: string; readonly message: string };
