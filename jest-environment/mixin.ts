import { basename } from 'node:path';
import type { EnvironmentContext, JestEnvironment, JestEnvironmentConfig } from '@jest/environment';
import type { Circus, Config } from '@jest/types';
import { configNamesOf } from '../src/docblock/pragma-entries.js';
import { BrokerError } from '../src/errors.js';
import { judgesEveryConnection } from '../src/guard/policy.js';
import { installGuardInWorker } from '../src/guard/worker.js';
import { installCleanupHandlers } from '../src/materialise/index.js';
import { scrubDeep } from '../src/scrub/index.js';
import type { WorkerBroker } from '../src/worker/index.js';
import { testFunctions } from './api.js';
import { claimFile, earlierClaim, takeTicket } from './channel-ticket.js';
import { CircusEvents } from './circus-events.js';
import { ENVIRONMENT_BROKER, SANDBOX_API } from './constants.js';
import { FileBroker } from './file-broker.js';
import type { SandboxApi } from './sandbox-api.js';
import { flushProcessStdio, scrubProcessStdio } from './stdio.js';

/** @public A Jest environment class, such as `jest-environment-node`'s or `jest-environment-jsdom`'s. */
// biome-ignore lint/suspicious/noExplicitAny: TS requires any[] for a mixin's base constructor (TS2545)
export type EnvironmentClass = abstract new (...args: any[]) => JestEnvironment;

/** @public The docblock pragma a test file declares its credentials with: `@credentials NAME, NAME=ref`. */
export const CREDENTIALS_PRAGMA = 'credentials';

/** @internal The reporter's file name; when it is configured the environment leaves skip reasons to it. */
const REPORTER_FILE = 'jest-reporter.cjs';

type BufferEntry = { message: string; origin: string };
type Sandbox = Record<string | symbol, unknown> & {
  process?: NodeJS.Process & { env: Record<string, string | undefined> };
  expect?: { getState?: () => { currentTestIdentity?: () => unknown } };
};

/**
 * @public Adds credential-broker to a Jest environment class: per-file and per-test credentials, skips, release,
 * and scrubbing of what the file prints or throws. The node and jsdom environments are this mixin applied to
 * Jest's own; apply it to any other environment that extends `JestEnvironment`.
 */
export function withCredentialBroker<T extends EnvironmentClass>(Base: T): T {
  abstract class CredentialBrokerEnvironment extends Base {
    readonly #context: EnvironmentContext;
    readonly #broker: FileBroker;
    readonly #globals: boolean;

    // biome-ignore lint/suspicious/noExplicitAny: a mixin constructor must take any[] (TS2545)
    constructor(...args: any[]) {
      super(...(args as [JestEnvironmentConfig, EnvironmentContext]));
      const [config, context] = args as [JestEnvironmentConfig, EnvironmentContext];
      this.#context = context;
      this.#globals = config.projectConfig.injectGlobals !== false;
      const sandbox = this.global as unknown as Sandbox;
      const ownReporter = hasOwnReporter(config.globalConfig);
      // The file's one-time ticket is taken now, before any test code runs, and spent when the file first needs a
      // credential: at once for a docblock (setup() waits for the answer), else on the first test that asks.
      const taken = takeTicket(config.globalConfig, context.testPath);
      const hasDocblock = context.docblockPragmas[CREDENTIALS_PRAGMA] !== undefined;
      const policy = taken instanceof BrokerError ? undefined : taken.handle.guard;
      // A connection is judged while a credential is held, so the guard comes with the claim, before any is; offline,
      // strict mode judges every connection: watched from before the file runs.
      let guarded = false;
      const guard = () => {
        if (!guarded) {
          guarded = true;
          installGuardInWorker(policy);
        }
      };
      if (judgesEveryConnection(policy)) {
        guard();
      }
      let claiming: Promise<WorkerBroker> | undefined;
      const claim = () => {
        guard();
        claiming ??= claimFile(taken, context.testPath).then((worker) => {
          scrubProcessStdio(worker.scrubber);
          return worker;
        });
        return claiming;
      };
      // A file that declares no inline ref asks only for config credentials, which an earlier file's claim in this
      // worker may already hold; such a file is claimed only when a name is missing (see FileBroker).
      const docblockNames = configNamesOf(context.docblockPragmas[CREDENTIALS_PRAGMA]);
      const earlier =
        docblockNames === undefined
          ? undefined
          : () => {
              const found = earlierClaim(taken);
              if (found !== undefined) {
                guard();
              }
              return found;
            };
      // A docblock is claimed at once (setup() waits for the answer), unless an earlier claim may serve it.
      const claimed = hasDocblock && (earlier === undefined || earlierClaim(taken) === undefined) ? claim() : undefined;
      this.#broker = new FileBroker({
        testPath: context.testPath,
        env: sandbox.process?.env ?? {},
        currentEnv: () => sandbox.process?.env,
        hasDocblock,
        ...(claimed === undefined ? {} : { claimed: claimed.catch(() => {}) }),
        connect: claim,
        ...(earlier === undefined ? {} : { earlier }),
        ...(hasDocblock && docblockNames !== undefined ? { docblockNames } : {}),
        currentTest: () => currentTest(this.global as unknown as Sandbox),
        // Without our reporter: straight to stderr, since Jest prints no console block for a fully skipped file.
        warn: ownReporter ? undefined : (message) => process.stderr.write(`credential-broker: ${message}\n`),
      });
      Object.defineProperty(this, ENVIRONMENT_BROKER, { value: this.#broker });
      // Docblock credentials: start the round trip now; setup() awaits it.
      void this.#broker.setup();
      const broker = this.#broker;
      const handle = (event: Circus.Event, state: Circus.State) => broker.handleTestEvent(event, state);
      // An own property: the base class may define handleTestEvent (as a method or not at all).
      const base = this.handleTestEvent?.bind(this);
      if (base !== undefined) {
        // Chained behind the base's, always on: the base expects every event.
        this.handleTestEvent = ((event: Circus.Event, state: Circus.State) => {
          const before = base(event as Circus.AsyncEvent, state);
          return before instanceof Promise ? before.then(() => handle(event, state)) : handle(event, state);
        }) as Circus.EventHandler;
        return;
      }
      const events = new CircusEvents(handle as Circus.EventHandler);
      broker.subscribe(events);
      Object.defineProperty(this, 'handleTestEvent', {
        configurable: true,
        get: () => events.provide(this.global),
      });
    }

    override async setup(): Promise<void> {
      await super.setup();
      const sandbox = this.global as unknown as Sandbox;
      const api: SandboxApi = this.#broker.api();
      Object.defineProperty(sandbox, SANDBOX_API, { value: api, configurable: true });
      if (this.#globals) {
        // Like describe/test: globals unless the project turned them off; never over a user's own.
        for (const [name, fn] of Object.entries(testFunctions(() => api))) {
          if (!(name in sandbox)) {
            Object.defineProperty(sandbox, name, { value: fn, configurable: true, writable: true });
          }
        }
      }
      // Jest wrapped the sandbox's process.exit before setup(); a test that exits still gets its files wiped.
      const exit = sandbox.process?.exit;
      if (sandbox.process !== undefined && typeof exit === 'function') {
        const broker = this.#broker;
        sandbox.process.exit = function exitAfterRelease(this: unknown, ...args: unknown[]) {
          broker.teardown();
          return Reflect.apply(exit, this, args);
        } as NodeJS.Process['exit'];
      }
      // A worker that dies another way (signal, uncaught error) releases too; the session wipes the rest.
      releaseOnExit(this.#broker);
      await this.#broker.setup();
    }

    override async teardown(): Promise<void> {
      try {
        // The buffer is the array Jest already put in the test result; scrubbing it in place keeps the origins.
        const buffer = (this.#context.console as { getBuffer?: () => BufferEntry[] | undefined }).getBuffer?.();
        if (buffer !== undefined) {
          scrubDeep(buffer, this.#broker.scrubber);
        }
        this.#broker.teardown();
        flushProcessStdio();
      } finally {
        liveBrokers().delete(this.#broker);
        await super.teardown();
      }
    }
  }
  return CredentialBrokerEnvironment;
}

type Live = { readonly brokers: Set<FileBroker> };
const LIVE = Symbol.for('credential-broker.jest.live-brokers.v1');

// One exit/signal hook per process for every test file in it (a worker runs many files, one at a time).
function liveBrokers(): Set<FileBroker> {
  const holder = globalThis as unknown as Record<symbol, Live | undefined>;
  let live = holder[LIVE];
  if (live === undefined) {
    const brokers = new Set<FileBroker>();
    live = { brokers };
    holder[LIVE] = live;
    installCleanupHandlers(() => {
      for (const broker of brokers) {
        broker.teardown();
      }
    });
  }
  return live.brokers;
}

function releaseOnExit(broker: FileBroker): void {
  liveBrokers().add(broker);
}

function hasOwnReporter(globalConfig: Config.GlobalConfig | undefined): boolean {
  return (globalConfig?.reporters ?? []).some((entry) => {
    const path = Array.isArray(entry) ? entry[0] : entry;
    return typeof path === 'string' && basename(path) === REPORTER_FILE;
  });
}

function currentTest(sandbox: Sandbox | undefined): Circus.TestEntry | undefined {
  // jest-circus keeps the running test in an AsyncLocalStorage and exposes it to expect: right for concurrent tests.
  const state = sandbox?.expect?.getState?.();
  const test = state?.currentTestIdentity?.();
  return typeof test === 'object' && test !== null ? (test as Circus.TestEntry) : undefined;
}
