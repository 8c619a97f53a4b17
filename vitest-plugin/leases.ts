/** The leases of one Vitest test attempt: their ids, release order, and the skip when a credential cannot be had. */
import { BrokerError } from '../src/errors.js';
import type { AcquireRequest, Lease, WorkerBroker } from '../src/worker/index.js';
import { skipNote } from './skip-summary.js';
import type { MissingCredential } from './types.js';

type RunnerTest = import('vitest').RunnerTestCase;

/** @internal The parts of a test context the broker uses (destructured: see Vitest's FixtureParseError). */
export interface TaskContext {
  readonly task: RunnerTest;
  readonly skip: (note?: string) => never;
  readonly annotate: (message: string, type?: string) => Promise<unknown>;
}

// On globalThis: the setup file and the fixture are separate copies of this module (see tsup.config.ts), and the
// docblock's lease and a credentials() call in one test must never name the same directory.
const SEQUENCE = Symbol.for('credential-broker.vitest.lease-sequence.v1');
const counter = globalThis as { [SEQUENCE]?: number };

/** @internal A lease id unique per test attempt and call; it names the test's private directory. */
export function leaseId(task: RunnerTest): string {
  const sequence = (counter[SEQUENCE] ?? 0) + 1;
  counter[SEQUENCE] = sequence;
  const attempt = `${task.result?.retryCount ?? 0}-${task.result?.repeatCount ?? 0}`;
  return `${task.id}-${attempt}-${process.pid}-${sequence}`;
}

/**
 * @internal Skips the running test because credentials are missing, with the reason where every reporter shows
 * it: the note (default/verbose), `meta` (JSON) and an annotation (JUnit `<properties>`, GitHub Actions).
 */
export async function skipForMissing(context: TaskContext, missing: readonly MissingCredential[]): Promise<never> {
  const note = skipNote(missing);
  const { meta } = context.task;
  meta.credentialsMissing = [...(meta.credentialsMissing ?? []), ...missing];
  meta.credentialSkip = note;
  await context.annotate(note, 'credential-broker');
  return context.skip(note);
}

/**
 * @internal The leases of one test attempt. Once the attempt has ended (its cleanup ran), nothing may be acquired for
 * it: a timed-out test body or hook keeps running, and a lease it took then would outlive the test. An acquire still
 * in flight when the attempt ends is released as soon as it arrives.
 */
export class TaskLeases {
  readonly #test: string;
  readonly #leases: Lease[] = [];
  #ended = false;

  constructor(test: string) {
    this.#test = test;
  }

  async acquire(broker: WorkerBroker, request: AcquireRequest, operation: string): Promise<Lease> {
    this.#assertOpen(operation);
    const lease = await broker.acquire(request);
    if (this.#ended) {
      lease.release();
      this.#assertOpen(operation);
    }
    this.#leases.push(lease);
    return lease;
  }

  /** Releases everything, newest first; idempotent. */
  end(): void {
    this.#ended = true;
    releaseAll(this.#leases);
  }

  #assertOpen(operation: string): void {
    if (this.#ended) {
      throw new BrokerError('MATERIALISE_FAILED', `"${this.#test}" has ended; its credentials were wiped`, {
        backend: 'vitest',
        operation,
        hint: 'Acquire credentials inside the test, before it times out',
      });
    }
  }
}

/** @internal Releases leases newest first, so an env var set twice is restored to what it was before both. */
export function releaseAll(leases: Lease[]): void {
  const errors: unknown[] = [];
  for (const lease of leases.splice(0).reverse()) {
    try {
      lease.release();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) {
    throw errors[0];
  }
  if (errors.length > 1) {
    throw new AggregateError(errors, 'credential-broker: releasing credentials failed');
  }
}
