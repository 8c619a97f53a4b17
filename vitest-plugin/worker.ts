import { inject } from 'vitest';
import { BrokerError } from '../src/errors.js';
import { type AcquireRequest, claimWorker, type Lease, type WorkerBroker } from '../src/worker/index.js';
import { skipNote } from './skip-summary.js';
import { type MissingCredential, PROVIDE_KEY } from './types.js';

type RunnerTest = import('vitest').RunnerTestCase;

/** @internal The parts of a test context the broker uses (destructured: see Vitest's FixtureParseError). */
export interface TaskContext {
  readonly task: RunnerTest;
  readonly skip: (note?: string) => never;
  readonly annotate: (message: string, type?: string) => Promise<unknown>;
}

const CLAIMS = Symbol.for('credential-broker.vitest.claims.v2');

type ClaimState = { broker?: WorkerBroker; error?: unknown; readonly claiming: Promise<WorkerBroker | undefined> };

// One per worker run (ticket), on globalThis: the setup file, the snapshot serializer and the fixture can be separate
// module instances (Vite's runner and Node's loader), and they must share one claim and one scrubber.
function claims(): Map<string, ClaimState> {
  const store = globalThis as { [CLAIMS]?: Map<string, ClaimState> };
  store[CLAIMS] ??= new Map();
  return store[CLAIMS];
}

/**
 * @internal Spends this worker run's ticket on the files Vitest gave it, once; called by our setup file, which runs
 * before any test code. Undefined when the plugin is not active in this project.
 */
export function claimCurrent(): Promise<WorkerBroker | undefined> {
  const handle = inject(PROVIDE_KEY);
  if (handle === undefined) {
    return Promise.resolve(undefined);
  }
  const existing = claims().get(handle.ticket);
  if (existing !== undefined) {
    return existing.claiming;
  }
  const state: ClaimState = {
    claiming: claimWorker(handle, handle.ticket, workerFiles()).then(
      (broker) => {
        state.broker = broker;
        return broker;
      },
      (error: unknown) => {
        state.error = error;
        return undefined;
      }
    ),
  };
  claims().set(handle.ticket, state);
  return state.claiming;
}

/** The test files of this worker run, as Vitest sent them (read before any test code ran). */
function workerFiles(): string[] {
  const state = (globalThis as { __vitest_worker__?: { ctx?: { files?: readonly unknown[] }; filepath?: string } })
    .__vitest_worker__;
  const files = (state?.ctx?.files ?? []).map((f) =>
    typeof f === 'string' ? f : (f as { filepath?: unknown }).filepath
  );
  const paths = files.filter((f): f is string => typeof f === 'string');
  return paths.length > 0 ? paths : state?.filepath === undefined ? [] : [state.filepath];
}

/** @internal This worker run's broker once claimed, or undefined (plugin not active, claim pending or failed). */
export function currentBroker(): WorkerBroker | undefined {
  const handle = inject(PROVIDE_KEY);
  return handle === undefined ? undefined : claims().get(handle.ticket)?.broker;
}

/** @internal This worker's broker; throws a clear error when the plugin is not active or the claim failed. */
export function requireBroker(operation: string): WorkerBroker {
  const handle = inject(PROVIDE_KEY);
  const state = handle === undefined ? undefined : claims().get(handle.ticket);
  if (state?.broker !== undefined) {
    return state.broker;
  }
  if (state?.error !== undefined) {
    throw state.error;
  }
  throw new BrokerError('CONFIG_INVALID', 'the credential-broker plugin is not active in this Vitest project', {
    backend: 'vitest',
    operation,
    hint: "Add credentialBroker() from 'credential-broker/vitest' to plugins in vitest.config.ts",
  });
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
