import type { AuditSink, MintEvent, RevokeEvent } from '../contract/backend.js';
import type { Delivery, Grant } from '../contract/wire.js';
import { StartListing } from '../scan/start-listing.js';

/** One credential handed to a requester (a test file, or `run`'s child) by the main process. */
export interface GrantRecord {
  /** The test file that asked (absolute), or undefined for `credential-broker run`. */
  readonly requester: string | undefined;
  readonly name: string;
  readonly delivery: Delivery;
  /** Epoch ms. */
  readonly at: number;
}

/** One test as the runner reported it at the end of the run, in runner-neutral terms. */
export interface TestRecord {
  /** Path of the test file relative to the project root. */
  readonly file: string;
  /** Full test name (describe blocks and title). Scrubbed by the runner adapters already. */
  readonly test: string;
  readonly status: 'passed' | 'failed' | 'skipped' | 'other';
  /** Credentials the test held while it ran. */
  readonly credentials: readonly string[];
  /** Epoch ms, when the runner says. */
  readonly startedAt?: number;
  readonly durationMs?: number;
  /** For a test skipped by the broker: each missing credential and why. */
  readonly skipped?: readonly { readonly name: string; readonly reason: string }[];
}

/**
 * What one run did with credentials, gathered in the main process for the audit record and the CI step summary:
 * when it began (the post-run file scan looks for files changed since), each grant, and — handed over by the runner
 * adapter at the end — each test — and, from the backends, what they minted and revoked. Holds names, refs, identities
 * and times only, never a value.
 */
export class RunRecord implements AuditSink {
  readonly startedAt: number;
  readonly grants: GrantRecord[] = [];
  readonly mints: (MintEvent & { readonly at: number })[] = [];
  readonly revocations: (RevokeEvent & { readonly at: number })[] = [];
  #tests: TestRecord[] = [];
  runner: 'vitest' | 'jest' | 'run' | undefined;
  /** Extra files and directories the post-run scan must visit (reports, coverage, snapshots outside the root). */
  readonly extraRoots = new Set<string>();
  /**
   * The paths that existed at the start, under the project and the runner's output roots (each adapter adds what it
   * knows when its run starts): the post-run scan rewrites only a file whose path was not there.
   */
  readonly listing = new StartListing();
  /** Run once the backends have closed (leases revoked): the audit record's last word. */
  readonly afterClose: (() => void)[] = [];

  constructor(startedAt = Date.now()) {
    this.startedAt = startedAt;
  }

  granted(requester: string | undefined, grants: readonly Grant[]): void {
    const at = Date.now();
    for (const grant of grants) {
      if (grant.status === 'ok') {
        this.grants.push({ requester, name: grant.name, delivery: grant.delivery, at });
      }
    }
  }

  minted(event: MintEvent): void {
    this.mints.push({ ...event, at: Date.now() });
  }

  revoked(event: RevokeEvent): void {
    this.revocations.push({ ...event, at: Date.now() });
  }

  /** Names granted to a requester over the run. */
  grantedTo(requester: string | undefined): string[] {
    return [...new Set(this.grants.filter((g) => g.requester === requester).map((g) => g.name))];
  }

  setTests(runner: 'vitest' | 'jest' | 'run', tests: readonly TestRecord[]): void {
    this.runner = runner;
    this.#tests = [...tests];
  }

  get tests(): readonly TestRecord[] {
    return this.#tests;
  }
}
