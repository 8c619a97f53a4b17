/**
 * A worker run's claim on the session: the one-time ticket taken out of what Vitest provided, spent when a file of
 * the run first needs a credential, and the broker it buys. Shared by the setup file, the snapshot serializer and
 * the fixture.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inject } from 'vitest';
import type { SessionHandle } from '../src/contract/wire.js';
import { BrokerError } from '../src/errors.js';
import type { WorkerBroker } from '../src/worker/index.js';
import type { Runtime } from './runtime-loader.js';
import { PROVIDE_KEY } from './types.js';

const CLAIMS = Symbol.for('credential-broker.vitest.claims.v3');

/** @internal One worker run's claim on the session: its ticket, out of every test's reach, spent on first need. */
export interface RunClaim {
  readonly handle: SessionHandle;
  /** The run's files whose source mentions `@credentials`: no other file can declare in a docblock. */
  readonly mayDeclare: ReadonlySet<string>;
  /** Spends the ticket once (loading the runtime first); every later call shares its answer or its error. */
  claim(): Promise<WorkerBroker>;
  /** Installs the egress guard of the handle's policy, once (the claim does it first), then calls {@link onGuard}. */
  guard(): Promise<void>;
  /** What to tell a guard just installed (the setup file names the running test to it). */
  onGuard: () => void;
  /** The broker once claimed: what the snapshot serializer and file snapshots scrub with. */
  readonly broker: WorkerBroker | undefined;
  /** Passes on what the worker's output scrubbing holds back (nothing before the claim). */
  flush(): void;
}

// Keyed by the provided handle, one object per worker run; on globalThis, as the setup file, the snapshot serializer
// and the fixture can be separate module instances (Vite's runner and Node's loader) that must share one claim.
function claims(): WeakMap<object, RunClaim> {
  const store = globalThis as { [CLAIMS]?: WeakMap<object, RunClaim> };
  store[CLAIMS] ??= new WeakMap();
  return store[CLAIMS];
}

/**
 * @internal Called by our setup file, before any test code of the run: takes the run's one-time ticket out of the
 * provided handle, so that no test (nor anything it imports) ever sees it, and returns the run's claim. The claim
 * starts at once, without waiting for it, when a file of the run mentions the broker (a docblock, an import of
 * credential-broker); otherwise when a test first asks for a credential. A run that never does costs no connection
 * and loads none of the runtime. Undefined when the plugin is not active in this project.
 */
export function takeTicket(load: (scratchRoot: string) => Promise<Runtime>): RunClaim | undefined {
  const handle = inject(PROVIDE_KEY) as (SessionHandle & { ticket?: string }) | undefined;
  if (handle === undefined) {
    return undefined;
  }
  const existing = claims().get(handle);
  if (existing !== undefined) {
    return existing;
  }
  const { ticket } = handle;
  delete handle.ticket;
  const files = workerFiles();
  const sources = files.map((file) => ({ file: resolve(file), text: sourceOf(file) }));
  let broker: WorkerBroker | undefined;
  let flush = () => {};
  let claiming: Promise<WorkerBroker> | undefined;
  let guarding: Promise<void> | undefined;
  const guardNow = async () => {
    (await load(handle.scratchRoot)).installGuardInWorker(handle.guard);
    run.onGuard();
  };
  const spend = async (): Promise<WorkerBroker> => {
    // Before any credential is held in this process: a connection is judged while one is.
    await run.guard();
    const runtime = await load(handle.scratchRoot);
    broker = await runtime.spendTicket(handle, ticket ?? '', files);
    flush = runtime.scrubWorkerOutput(broker.scrubber);
    return broker;
  };
  const run: RunClaim = {
    handle,
    mayDeclare: new Set(
      sources.filter((s) => s.text === undefined || s.text.includes('@credentials')).map((s) => s.file)
    ),
    claim: () => {
      claiming ??= spend();
      return claiming;
    },
    guard: () => {
      guarding ??= guardNow();
      return guarding;
    },
    onGuard: () => {},
    get broker() {
      return broker;
    },
    flush: () => flush(),
  };
  claims().set(handle, run);
  if (sources.some((s) => s.text === undefined || MENTIONS_BROKER.test(s.text))) {
    // Overlaps the test file's import. A refusal is kept and thrown to the first test that needs the broker.
    run.claim().catch(() => {});
  }
  return run;
}

const MENTIONS_BROKER = /@credentials|credential-broker/;

// Read again here (the main process reads the docblock only for the files a worker claims): a cheap look whether
// the broker is needed at all. Undefined when unreadable, which claims as before.
function sourceOf(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
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

function currentRun(): RunClaim | undefined {
  const handle = inject(PROVIDE_KEY);
  return handle === undefined ? undefined : claims().get(handle);
}

/** @internal This worker run's broker once claimed, or undefined (plugin not active, not claimed yet, or refused). */
export function currentBroker(): WorkerBroker | undefined {
  return currentRun()?.broker;
}

/** @internal This worker run's broker, claimed now if it was not; throws a clear error when the plugin is not active. */
export function brokerFor(operation: string): Promise<WorkerBroker> {
  const run = currentRun();
  if (run !== undefined) {
    return run.claim();
  }
  return Promise.reject(
    new BrokerError('CONFIG_INVALID', 'the credential-broker plugin is not active in this Vitest project', {
      backend: 'vitest',
      operation,
      hint: "Add credentialBroker() from 'credential-broker/vitest/plugin' to plugins in vitest.config.ts; for an inline project of test.projects, give it `extends: true` so that it inherits the root config's plugins",
    })
  );
}
