import type { BrokerConfig } from '../../config/schema.js';
import type { AuditSink, Logger } from '../../contract/backend.js';
import type { Scrubber } from '../../scrub/index.js';

/** @public Options of `createMintedCredentials` (and of each scheme's grants). */
export interface MintedOptions {
  readonly backends: BrokerConfig['backends'];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly baseDir: string;
  readonly scrubber: Scrubber;
  readonly log: Logger;
  /** The run's private 0700 directory, for the empty AWS config files and gcloud configuration. */
  readonly scratchDir: string;
  /** Aborted when the run closes. */
  readonly signal: AbortSignal;
  /** The run's audit record: told of each mint and revocation, never a value. */
  readonly audit?: AuditSink;
}
