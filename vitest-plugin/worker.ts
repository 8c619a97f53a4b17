import { inject } from 'vitest';
import { BrokerError } from '../src/errors.js';
import { type AcquireRequest, connectWorker, type Lease, type WorkerBroker } from '../src/runtime/index.js';
import { skipNote } from './skip-summary.js';
import { type MissingCredential, PROVIDE_KEY } from './types.js';

type RunnerTest = import('vitest').RunnerTestCase;

/** @internal The parts of a test context the broker uses (destructured: see Vitest's FixtureParseError). */
export interface TaskContext {
  readonly task: RunnerTest;
  readonly skip: (note?: string) => never;
  readonly annotate: (message: string, type?: string) => Promise<unknown>;
}

const BROKERS = Symbol.for('credential-broker.vitest.brokers');

/**
 * @internal This worker's broker, or undefined when the plugin is not active in this project. One per process and
 * session: the setup file, the snapshot serializer and the fixture can be separate module instances (Vite's runner
 * and Node's loader), and they must share one scrubber, so the broker is kept on `globalThis`.
 */
export function currentBroker(): WorkerBroker | undefined {
  const handle = inject(PROVIDE_KEY);
  if (handle === undefined) {
    return undefined;
  }
  const store = globalThis as { [BROKERS]?: Map<string, WorkerBroker> };
  store[BROKERS] ??= new Map();
  let broker = store[BROKERS].get(handle.token);
  if (broker === undefined) {
    broker = connectWorker(handle);
    store[BROKERS].set(handle.token, broker);
  }
  return broker;
}

/** @internal This worker's broker; throws a clear error when the plugin is not active. */
export function requireBroker(operation: string): WorkerBroker {
  const broker = currentBroker();
  if (broker === undefined) {
    throw new BrokerError('CONFIG_INVALID', 'the credential-broker plugin is not active in this Vitest project', {
      backend: 'vitest',
      operation,
      hint: "Add credentialBroker() from 'credential-broker/vitest' to plugins in vitest.config.ts",
    });
  }
  return broker;
}

let sequence = 0;

/** @internal A lease id unique per test attempt and call; it names the test's private directory. */
export function leaseId(task: RunnerTest): string {
  sequence += 1;
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
