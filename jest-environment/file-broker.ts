import { relative } from 'node:path';
import type { Circus } from '@jest/types';
import type { BrokerError } from '../src/errors.js';
import { setCurrentTest } from '../src/guard/index.js';
import { ReleasedEnv } from '../src/materialise/released-env.js';
import { detachedCopy } from '../src/scrub/detached-copy.js';
import { Scrubber, scrubDeep } from '../src/scrub/index.js';
import { snapshotTextSerializer } from '../src/scrub/snapshot-text.js';
import type { AcquireRequest, Lease, WorkerBroker } from '../src/worker/index.js';
import { jestWillSkip, testErrors, testId, testsUnder } from './circus.js';
import type { TestEvents } from './circus-events.js';
import { EnvLedger } from './env-ledger.js';
import type { SandboxApi } from './sandbox-api.js';
import { type SkippedCredential, skipMarker, skippedBy } from './skip-marker.js';
import { redactingSerializer, redactSnapshotKeys, type SnapshotExpect } from './snapshot-serializer.js';
import {
  askedAfterEnd,
  assertDeclaration,
  assertDefinedSynchronously,
  assertRequest,
  concurrentEnvError,
  definitionFrame,
} from './usage-errors.js';

/** @public A test that did not run because a credential it needs could not be had. */
export interface SkippedTest {
  /** Describe names and test name, space-separated (Jest's test id). */
  readonly test: string;
  readonly credentials: readonly SkippedCredential[];
}

/** @internal */
export interface FileBrokerOptions {
  readonly testPath: string;
  /** The sandbox's `process.env` (a copy Jest made for this file) as the file starts: used if `currentEnv` has none. */
  readonly env: Record<string, string | undefined>;
  /**
   * The sandbox's `process.env` as it is now: a test may assign it a new object (a copy restored in `afterEach`).
   * Leases apply their variables there, and a released value put back by the test's own env restore would be there.
   */
  readonly currentEnv: () => Record<string, string | undefined> | undefined;
  /** Whether the file has a `@credentials` docblock (from Jest's `docblockPragmas`). */
  readonly hasDocblock: boolean;
  /** Settles once the file's channel ticket was spent, when it is spent up front (setup waits for it). */
  readonly claimed?: Promise<unknown>;
  /**
   * The file's worker broker, claimed on the first call (the ticket is spent then). Called only when a credential is
   * needed; rejects when the file can have none.
   */
  readonly connect: () => WorkerBroker | Promise<WorkerBroker>;
  /**
   * The broker an earlier test file of this worker claimed, if any, whose grants (config credentials, kept for the
   * worker) may serve this file without a claim of its own. Undefined for a file whose docblock declares an inline
   * ref: that file's names are its own, and come with its claim. Called only before the file's own claim.
   */
  readonly earlier?: () => WorkerBroker | undefined;
  /** The docblock's names when they are all config credentials (parsed by Jest in this worker); see `earlier`. */
  readonly docblockNames?: readonly string[];
  /** The test whose code is running (concurrency-safe), or undefined in hooks outside tests. */
  readonly currentTest: () => Circus.TestEntry | undefined;
  /** Prints a skip reason where the user sees it; undefined when our reporter prints them. */
  readonly warn: ((message: string) => void) | undefined;
}

type Held = { readonly lease: Lease; readonly unapply: () => void };
type Acquired = Held | { readonly skipped: readonly SkippedCredential[] };

/**
 * @internal Everything the broker does for one test file in a Jest worker, apart from the Jest classes: file-level
 * credentials from the docblock, per-test ones from `withCredentials` and `credentials()`, skips, release, and
 * scrubbing of failures. One instance per test file, like the environment that owns it.
 */
export class FileBroker {
  readonly #options: FileBrokerOptions;
  readonly #ledger: EnvLedger;
  readonly #released: ReleasedEnv;
  /** The test file as messages name it, relative to where Jest started. */
  readonly #label: string;
  #worker: WorkerBroker | undefined;
  /** An earlier file's broker that served this file from the worker's grants (its scrubber holds their values). */
  #served: WorkerBroker | undefined;
  #empty: Scrubber | undefined;
  readonly #fileHeld: Held[] = [];
  readonly #testHeld = new Map<Circus.TestEntry, Held[]>();
  readonly #tags = new WeakMap<Circus.TestEntry, readonly string[]>();
  readonly #declaring: (readonly string[])[] = [];
  readonly #concurrentTests: Circus.TestEntry[] = [];
  readonly #definedAt = new WeakMap<Circus.TestEntry, string | undefined>();
  #fileSkip: readonly SkippedCredential[] | undefined;
  #events: TestEvents | undefined;
  /** Whether any test was declared inside `withCredentials`: its credentials are acquired at `test_start`. */
  #tagged = false;
  #tasks = 0;
  #closed = false;
  #setup: Promise<void> | undefined;
  /** The file's `expect` (circus's `setup` event); its snapshot state and text serializer come at `run_start`. */
  #expect: SnapshotExpect | undefined;
  /** Tests skipped for a missing credential, in the order they were skipped (sent to our reporter). */
  readonly skipped: SkippedTest[] = [];

  constructor(options: FileBrokerOptions) {
    this.#options = options;
    this.#released = new ReleasedEnv(options.currentEnv);
    this.#ledger = new EnvLedger(() => options.currentEnv() ?? options.env, this.#released);
    this.#label = relative(process.cwd(), options.testPath);
    // Files run one after another in a worker: the newest file's tests are the ones connecting.
    setCurrentTest(
      () => {
        const test = options.currentTest();
        return test === undefined ? undefined : `${this.#label} › ${testId(test)}`;
      },
      // A refusal fails the running test even when its code catches the error: circus reads `errors` at the end.
      (error) => {
        options.currentTest()?.errors.push(error);
      }
    );
  }

  /** The values this worker has received so far; a no-op before any credential was asked for. */
  get scrubber(): Scrubber {
    this.#empty ??= new Scrubber();
    return this.#worker?.scrubber ?? this.#served?.scrubber ?? this.#empty;
  }

  /** Scrubs a snapshot's text while this worker holds a value; undefined before, so snapshots print as bare. */
  get #scrubSnapshot(): ((text: string) => string) | undefined {
    const scrubber = this.scrubber;
    return scrubber.size === 0 ? undefined : (text) => scrubber.scrub(text);
  }

  /**
   * Materialises the docblock's credentials for the whole file, before it loads (so `beforeAll` can use them).
   * Started from the environment's constructor, so the round trip to the session overlaps Jest's own preparation;
   * awaited (and its error thrown) from the environment's `setup()`.
   */
  setup(): Promise<void> {
    if (this.#setup === undefined) {
      this.#setup = this.#setupOnce();
      // Observed here, thrown from setup(): never an unhandled rejection in between.
      this.#setup.catch(() => {});
    }
    return this.#setup;
  }

  async #setupOnce(): Promise<void> {
    await this.#options.claimed;
    if (!this.#options.hasDocblock) {
      return;
    }
    const { docblockNames } = this.#options;
    const held =
      (docblockNames === undefined ? undefined : this.#fromEarlier(docblockNames)) ??
      (await this.#acquire((await this.#connect()).declaredIn(this.#options.testPath)));
    if ('skipped' in held) {
      this.#fileSkip = held.skipped;
    } else {
      this.#fileHeld.push(held);
    }
  }

  /**
   * Lets the broker leave jest-circus's event handlers when the run starts and no test was declared with credentials
   * of its own; a test that calls `credentials()` brings it back for the rest of the file.
   */
  subscribe(events: TestEvents): void {
    this.#events = events;
  }

  /**
   * Jest circus events, forwarded by the environment's `handleTestEvent`. Synchronous unless a round trip to the
   * session is needed: circus awaits the handler, and a returned promise costs every test.
   */
  handleTestEvent(event: Circus.Event, state: Circus.State): void | Promise<void> {
    switch (event.name) {
      case 'setup': {
        // The file's own expect (jest-snapshot is loaded per file), before any snapshot is written.
        const expect = event.runtimeGlobals.expect as SnapshotExpect;
        this.#expect = expect;
        expect.addSnapshotSerializer?.(redactingSerializer((text) => this.scrubber.scrub(text)));
        return;
      }
      case 'start_describe_definition':
        // Names can carry a value (`describe.each`, a template): scrubbed before results, snapshot keys or -t use them.
        state.currentDescribeBlock.name = this.scrubber.scrub(state.currentDescribeBlock.name);
        return;
      case 'add_test':
        return this.#tag(event, state);
      case 'run_start': {
        // The file's snapshot state exists now (Jest makes it after `setup`), before any test writes a snapshot.
        redactSnapshotKeys(this.#expect?.getState?.().snapshotState, (text) => this.scrubber.scrub(text));
        // Asked first: prints the root value with every other plugin, then scrubs that text (snapshot-text.ts). Added
        // now, after Jest added `snapshotSerializers` and the setup files and the test file theirs, so it is asked
        // before all of them.
        this.#expect?.addSnapshotSerializer?.(snapshotTextSerializer(() => this.#scrubSnapshot));
        // A concurrent test added before a withCredentials block: refused now, before anything runs.
        const concurrent = this.#tagged ? this.#concurrentTests[0] : undefined;
        if (concurrent !== undefined) {
          throw this.#concurrentError(concurrent);
        }
        if (this.#fileSkip !== undefined) {
          this.#skipAll(state, this.#fileSkip);
        }
        // Nothing after this needs per-test events unless a test was declared with credentials of its own.
        return this.#tagged ? undefined : this.#events?.leave(event, state);
      }
      case 'test_start':
        return this.#start(event.test, state);
      case 'hook_start':
      case 'test_fn_start':
        // restoreMocks puts back what jest.replaceProperty replaced in the previous test in the first beforeEach of
        // the next: a released value it restored is gone before any later hook, or the body (or a child they start),
        // runs. Nothing to read when nothing was released.
        this.#released.check();
        return;
      case 'test_skip':
        return this.#release(event.test);
      case 'test_done':
        return this.#done(event.test);
      case 'run_finish':
        scrubDeep(state.unhandledErrors, this.scrubber);
        return;
      default:
        return;
    }
  }

  /** The API the sandbox's `credential-broker/jest` module calls. */
  api(): SandboxApi {
    return {
      credentials: (names) => this.#credentials(names),
      files: () => this.#heldNow().reduce((out, h) => Object.assign(out, h.lease.files), {}),
      env: () => this.#heldNow().reduce((out, h) => Object.assign(out, h.lease.env), {}),
      declare: (names, define) => this.#declare(names, define),
      scrub: (text) => this.scrubber.scrub(text),
    };
  }

  /** Releases everything still held (tests cut short, the file's own). Idempotent and synchronous. */
  teardown(): void {
    this.#closed = true;
    for (const test of [...this.#testHeld.keys()]) {
      this.#release(test);
    }
    try {
      for (const held of this.#fileHeld.splice(0)) {
        release(held);
      }
    } finally {
      this.#released.settle();
    }
  }

  /** The worker broker once claimed; a promise of it the first time. */
  #connect(): WorkerBroker | Promise<WorkerBroker> {
    if (this.#worker !== undefined) {
      return this.#worker;
    }
    const worker = this.#options.connect();
    if (worker instanceof Promise) {
      return worker.then((claimed) => {
        this.#worker = claimed;
        return claimed;
      });
    }
    this.#worker = worker;
    return worker;
  }

  /** Synchronous when this worker already has every grant; a promise when the session must be asked. */
  #acquire(names: readonly string[]): Acquired | Promise<Acquired> {
    this.#assertOpen();
    const served = this.#fromEarlier(names);
    if (served !== undefined) {
      return served;
    }
    const worker = this.#connect();
    return worker instanceof Promise
      ? worker.then((claimed) => this.#acquireFrom(claimed, names))
      : this.#acquireFrom(worker, names);
  }

  /**
   * Config credentials an earlier file of this worker was already granted, served as they would be to that file's
   * next test, before this file has claimed anything: it then spends no ticket. Undefined when this file has its own
   * claim, declares an inline ref, or a name is not granted yet (or is minted per test): those are claimed and asked
   * for as usual.
   */
  #fromEarlier(names: readonly string[]): Acquired | undefined {
    if (this.#worker !== undefined) {
      return undefined;
    }
    const earlier = this.#options.earlier?.();
    const lease = earlier?.acquireNow(this.#request(names));
    if (lease === undefined) {
      return undefined;
    }
    this.#served = earlier;
    return this.#taken(lease);
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw askedAfterEnd(this.#options.testPath);
    }
  }

  #request(names: readonly string[]): AcquireRequest {
    this.#tasks += 1;
    const taskId = `jest-w${process.env['JEST_WORKER_ID'] ?? '0'}-${process.pid}-${this.#tasks}`;
    // A fresh target: the ledger, not the lease, applies variables to the shared sandbox env.
    return { file: this.#options.testPath, taskId, names, env: {}, label: this.#label };
  }

  #acquireFrom(worker: WorkerBroker, names: readonly string[]): Acquired | Promise<Acquired> {
    const request = this.#request(names);
    const lease = worker.acquireNow(request);
    return lease !== undefined ? this.#taken(lease) : worker.acquire(request).then((l) => this.#taken(l));
  }

  #taken(lease: Lease): Acquired {
    if (this.#closed) {
      // The file ended while the session answered (a teardown racing the prefetch): hold nothing past it.
      lease.release();
      return { skipped: [] };
    }
    if (lease.skipped.length > 0) {
      lease.release();
      return { skipped: lease.skipped };
    }
    return { lease, unapply: this.#ledger.apply(lease.env) };
  }

  #tag(event: Extract<Circus.SyncEvent, { name: 'add_test' }>, state: Circus.State): void {
    const added = state.currentDescribeBlock.children.at(-1);
    // circus adds nothing when the call is invalid (nested test, added after the run started).
    if (added?.type !== 'test' || added.fn !== event.fn) {
      return;
    }
    added.name = this.scrubber.scrub(added.name);
    if (event.concurrent) {
      // The definition's frame, while the file is still defining it: circus's own record of it lacks the file.
      this.#definedAt.set(added, definitionFrame(this.#options.testPath));
      this.#concurrentTests.push(added);
      if (this.#options.hasDocblock || this.#declaring.length > 0) {
        throw this.#concurrentError(added);
      }
    }
    const names = this.#declaring.flat();
    if (names.length === 0) {
      return;
    }
    this.#tags.set(added, [...new Set([...(this.#tags.get(added) ?? []), ...names])]);
    this.#tagged = true;
  }

  #concurrentError(test: Circus.TestEntry): BrokerError {
    return concurrentEnvError(test, this.#options.testPath, this.#definedAt.get(test));
  }

  #declare(names: readonly string[], define: () => void): void {
    assertDeclaration(names, this.#options.testPath);
    this.#declaring.push(names);
    try {
      assertDefinedSynchronously(define(), this.#options.testPath);
    } finally {
      this.#declaring.pop();
    }
  }

  #start(test: Circus.TestEntry, state: Circus.State): void | Promise<void> {
    const names = this.#tags.get(test);
    if (names === undefined || this.#fileSkip !== undefined || jestWillSkip(test, state)) {
      return;
    }
    let acquired: Acquired | Promise<Acquired>;
    try {
      acquired = this.#acquire(names);
    } catch (error) {
      return this.#failStart(test, error);
    }
    if (acquired instanceof Promise) {
      return acquired.then(
        (held) => this.#started(test, held),
        (error: unknown) => this.#failStart(test, error)
      );
    }
    this.#started(test, acquired);
  }

  #started(test: Circus.TestEntry, acquired: Acquired): void {
    if ('skipped' in acquired) {
      test.mode = 'skip';
      this.#recordSkip(test, acquired.skipped);
      return;
    }
    this.#hold(test, acquired);
  }

  #failStart(test: Circus.TestEntry, error: unknown): void {
    // circus runs neither the hooks nor the body of a test that already has an error.
    test.errors.push(scrubDeep(error, this.scrubber) as Circus.Exception);
  }

  #done(test: Circus.TestEntry): void {
    this.#release(test);
    const errors = testErrors(test);
    const skips = errors.map(skippedBy);
    if (errors.length > 0 && skips.every((s) => s !== undefined)) {
      // Only skip markers: `credentials()` found out mid-test that a credential cannot be had.
      test.errors = [];
      test.status = 'skip';
      this.#recordSkip(test, dedupe(skips.flat()));
      return;
    }
    if (errors.length > 0 && this.scrubber.size > 0) {
      // A copy: an assertion's error holds the test's own objects (`matcherResult.actual`), which a retry
      // (`jest.retryTimes`) or a later test of the file uses again; scrubbed in place, they would change under it.
      test.errors = scrubDeep(detachedCopy(test.errors), this.scrubber);
    }
  }

  #skipAll(state: Circus.State, skipped: readonly SkippedCredential[]): void {
    for (const test of testsUnder(state.rootDescribeBlock)) {
      if (!jestWillSkip(test, state)) {
        test.mode = 'skip';
        this.#recordSkip(test, skipped);
      }
    }
  }

  #recordSkip(test: Circus.TestEntry, credentials: readonly SkippedCredential[]): void {
    const id = testId(test);
    this.skipped.push({ test: id, credentials });
    const reasons = credentials.map((c) => c.reason.replace(/^credential-broker: /, '')).join('; ');
    this.#options.warn?.(`skipped "${id}" in ${this.#label}: ${reasons}`);
  }

  async #credentials(names: readonly string[]): Promise<Readonly<Record<string, string>>> {
    assertRequest(names, this.#options.testPath);
    // Values asked for at run time are set as env vars too: refused while concurrent tests share the file's env.
    const concurrent = this.#concurrentTests[0];
    if (concurrent !== undefined) {
      throw this.#concurrentError(concurrent);
    }
    const test = this.#options.currentTest();
    const holding = test === undefined ? this.#fileHeld : [...this.#fileHeld, ...(this.#testHeld.get(test) ?? [])];
    const have = holding.reduce<Record<string, string>>((out, h) => Object.assign(out, h.lease.values), {});
    const missing = names.filter((n) => !Object.hasOwn(have, n));
    if (missing.length > 0) {
      if (test !== undefined) {
        // Held for this test: its test_done must reach us to release it, or to turn a skip marker into a skip.
        this.#events?.attach();
      }
      const held = await this.#acquire(missing);
      if ('skipped' in held) {
        throw skipMarker(held.skipped);
      }
      if (test === undefined) {
        this.#fileHeld.push(held);
      } else {
        this.#hold(test, held);
      }
      Object.assign(have, held.lease.values);
    }
    return Object.freeze(Object.fromEntries(names.map((n) => [n, have[n] as string])));
  }

  #hold(test: Circus.TestEntry, held: Held): void {
    const list = this.#testHeld.get(test) ?? [];
    list.push(held);
    this.#testHeld.set(test, list);
  }

  #heldNow(): Held[] {
    const test = this.#options.currentTest();
    return test === undefined ? this.#fileHeld : [...this.#fileHeld, ...(this.#testHeld.get(test) ?? [])];
  }

  #release(test: Circus.TestEntry): void {
    const list = this.#testHeld.get(test);
    this.#testHeld.delete(test);
    for (const held of list ?? []) {
      release(held);
    }
  }
}

function release(held: Held): void {
  try {
    held.unapply();
  } finally {
    held.lease.release();
  }
}

function dedupe(skipped: readonly SkippedCredential[]): SkippedCredential[] {
  return [...new Map(skipped.map((s) => [s.name, s])).values()];
}
