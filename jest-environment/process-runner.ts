/**
 * Every test file in a child process whose stdout and stderr this (main) process reads and scrubs.
 *
 * Why: a test's child process with inherited stdio, or `fs.writeSync(1, …)` in a test, writes to the worker's fd 1
 * and 2 directly, past the `process.stdout.write` wrapper the worker installs. Jest in band runs test files in the
 * main process, whose fd 1 is the terminal: nothing can interpose there. And in band is Jest's own choice for a
 * single file and on a 2-core machine (`maxWorkers` = cores − 1 = 1), so it is the common case. This runner
 * therefore always runs files in `jest-worker` child processes (one when Jest chose in band), and passes each
 * child's stdout and stderr through its own streaming scrubber: the hold-back state follows one source stream, so
 * a value cut by a pipe read or written in pieces is still caught.
 *
 * It mirrors `jest-runner`'s parallel run (same test worker module, same worker options and events); what differs
 * is where the workers' output goes. Two modes keep Jest's own in-band run, each with one loud warning: Jest's
 * `workerThreads` (threads share this process's fd 1 and 2) and `--detectOpenHandles` (it needs the tests in this
 * process).
 */
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Test } from '@jest/test-result';
import type { Config } from '@jest/types';
import type { BrokerSession } from '../src/host/index.js';
import { ScrubbingWriter } from '../src/scrub/index.js';
import { MAIN_SESSION } from './constants.js';
import { requireFromJest, resolveFromJest } from './resolve-jest.js';

type Listener = (payload: unknown) => unknown;

interface Watcher {
  isInterrupted(): boolean;
  on(event: 'change', listener: (state: { interrupted?: boolean }) => void): void;
}

interface JestRunner {
  runTests(tests: Array<Test>, watcher: unknown, options: unknown): Promise<void>;
  on(event: string, listener: Listener): () => void;
}
/** @internal A `jest-runner`-like class: runs files, emits their events. */
// biome-ignore lint/suspicious/noExplicitAny: a mixin's base constructor must take any[] (TS2545)
export type EmittingRunnerClass = new (...args: any[]) => JestRunner;

interface WorkerStreams {
  getStdout(): Readable | null;
  getStderr(): Readable | null;
}
interface TestWorkerFarm extends WorkerStreams {
  worker(
    request: unknown
  ): Promise<unknown> & { UNSTABLE_onCustomMessage?: (l: (m: [string, unknown]) => void) => void };
  end(): Promise<{ forceExited: boolean }>;
  // Not in jest-worker's types: the pool behind the farm, whose workers each have their own streams.
  _workerPool?: { getWorkers?: () => WorkerStreams[] };
}
type WorkerCtor = new (path: string, options: Record<string, unknown>) => TestWorkerFarm;

class CancelRun extends Error {
  constructor(message?: string) {
    super(message);
    this.name = 'CancelRun';
  }
}

const warned = new Set<string>();

function warnOnce(key: string, text: string): void {
  if (!warned.has(key)) {
    warned.add(key);
    process.stderr.write(`credential-broker: WARNING: ${text}\n`);
  }
}

/** @internal Runs every test file of `Base` (a `jest-runner` class) in a child process with scrubbed output. */
export function withProcessIsolation<T extends EmittingRunnerClass>(Base: T): T {
  class ProcessIsolatedRunner extends Base {
    readonly #listeners = new Map<string, Set<Listener>>();

    override on(event: string, listener: Listener): () => void {
      // Jest's own in-band run (the modes below) emits on the base runner's emitter, ours on this one.
      const offBase = super.on(event, listener);
      const set = this.#listeners.get(event) ?? new Set();
      set.add(listener);
      this.#listeners.set(event, set);
      return () => {
        offBase();
        set.delete(listener);
      };
    }

    async #emit(event: string, payload: unknown): Promise<void> {
      await Promise.all([...(this.#listeners.get(event) ?? [])].map((listener) => listener(payload)));
    }

    override async runTests(tests: Array<Test>, watcher: unknown, options: unknown): Promise<void> {
      const config = (this as unknown as { _globalConfig: Config.GlobalConfig })._globalConfig;
      const session = mainSession();
      if (session === undefined) {
        return super.runTests(tests, watcher, options);
      }
      if (config.workerThreads === true) {
        warnOnce(
          'threads',
          "Jest's workerThreads share this terminal with every test: a child process with inherited stdio or an " +
            "fs.writeSync(1, …) in a test is NOT scrubbed. Remove workerThreads, or give child processes stdio: 'pipe'."
        );
        return super.runTests(tests, watcher, options);
      }
      if (config.detectOpenHandles) {
        warnOnce(
          'handles',
          '--detectOpenHandles runs the tests in this process, which shares the terminal: a child process with ' +
            'inherited stdio or an fs.writeSync(1, …) in a test is NOT scrubbed. Use it to debug, not in CI.'
        );
        return super.runTests(tests, watcher, options);
      }
      const serial = (options as { serial?: boolean } | undefined)?.serial === true;
      return this.#runInChildren(tests, watcher as Watcher, serial ? 1 : config.maxWorkers, session);
    }

    async #runInChildren(tests: Test[], watcher: Watcher, workers: number, session: BrokerSession): Promise<void> {
      const self = this as unknown as { _globalConfig: Config.GlobalConfig; _context: Record<string, unknown> };
      const settings = self._globalConfig;
      const resolvers = new Map<string, { config: Config.ProjectConfig; serializableModuleMap: unknown }>();
      for (const test of tests) {
        if (!resolvers.has(test.context.config.id)) {
          resolvers.set(test.context.config.id, {
            config: test.context.config,
            serializableModuleMap: test.context.moduleMap.toJSON(),
          });
        }
      }
      // jest-runner's own test worker (not in its exports map: resolved next to its entry) and its jest-worker.
      const runnerEntry = resolveFromJest('jest-runner');
      const { Worker } = requireFromJest<{ Worker: WorkerCtor }>('jest-worker', dirname(dirname(runnerEntry)));
      const farm = new Worker(join(dirname(runnerEntry), 'testWorker.js'), {
        enableWorkerThreads: false,
        exposedMethods: ['worker'],
        forkOptions: { serialization: 'json', stdio: 'pipe' },
        idleMemoryLimit:
          typeof settings.workerIdleMemoryLimit === 'number' ? settings.workerIdleMemoryLimit : undefined,
        maxRetries: 3,
        numWorkers: workers,
        setupArgs: [{ serializableResolvers: [...resolvers.values()] }],
        workerGracefulExitTimeout: settings.workerGracefulExitTimeout,
      });
      const flushes = scrubWorkerStreams(farm, session);

      const limit = createLimit(workers);
      const runOne = (test: Test): Promise<unknown> =>
        limit(async () => {
          if (watcher.isInterrupted()) {
            throw new CancelRun();
          }
          await this.#emit('test-file-start', [test]);
          const context = self._context as {
            changedFiles?: Set<string>;
            sourcesRelatedToTestsInChangedFiles?: Set<string>;
          };
          const promise = farm.worker({
            config: test.context.config,
            context: {
              ...context,
              changedFiles: context.changedFiles && [...context.changedFiles],
              sourcesRelatedToTestsInChangedFiles: context.sourcesRelatedToTestsInChangedFiles && [
                ...context.sourcesRelatedToTestsInChangedFiles,
              ],
            },
            // Read once per file: the credential-broker runner hands each read its own one-time channel ticket.
            globalConfig: self._globalConfig,
            path: test.path,
          });
          promise.UNSTABLE_onCustomMessage?.(([event, payload]) => this.#emit(event, payload));
          return promise;
        });
      const onInterrupt = new Promise<never>((_resolve, reject) => {
        watcher.on('change', (state) => {
          if (state.interrupted) {
            reject(new CancelRun());
          }
        });
      });
      const all = Promise.all(
        tests.map((test) =>
          runOne(test).then(
            (result) => this.#emit('test-file-success', [test, result]),
            (error: unknown) => this.#emit('test-file-failure', [test, error])
          )
        )
      );
      const cleanup = async (): Promise<void> => {
        const { forceExited } = await farm.end();
        // What the scrubbers still hold (a few bytes that could have begun a value): out, scrubbed.
        await new Promise((resolve) => setImmediate(resolve));
        for (const flush of flushes) {
          flush();
        }
        if (forceExited) {
          process.stderr.write(
            'A worker process has failed to exit gracefully and has been force exited. This is likely caused by ' +
              'tests leaking due to improper teardown. Try running with --detectOpenHandles to find leaks. Active ' +
              'timers can also cause this, ensure that .unref() was called on them.\n'
          );
        }
      };
      await Promise.race([all, onInterrupt]).then(cleanup, cleanup);
    }
  }
  return ProcessIsolatedRunner;
}

/**
 * Each worker's stdout and stderr through its own ScrubbingWriter onto this process's. jest-worker merges them into
 * one stream per farm; its pool still has them per worker (not in its types: if that changes, the merged streams
 * are scrubbed instead, where output of two workers can interleave inside a value).
 */
function scrubWorkerStreams(farm: TestWorkerFarm, session: BrokerSession): (() => void)[] {
  const perWorker = farm._workerPool?.getWorkers?.();
  const sources = perWorker ?? [farm];
  if (perWorker !== undefined) {
    // The merged copies are read by no one: let them flow, or their backpressure would pause the workers' streams.
    farm.getStdout()?.resume();
    farm.getStderr()?.resume();
  }
  const flushes: (() => void)[] = [];
  for (const source of sources) {
    for (const [stream, target] of [
      [source.getStdout(), process.stdout],
      [source.getStderr(), process.stderr],
    ] as const) {
      if (stream === null) {
        continue;
      }
      const writer = new ScrubbingWriter(session.scrubber, (chunk) => target.write(chunk));
      stream.on('data', (chunk: Buffer) => writer.write(chunk));
      flushes.push(() => writer.flush());
    }
  }
  return flushes;
}

// p-limit's job, without the dependency: at most `n` of the returned function's tasks run at once.
function createLimit(n: number): <R>(task: () => Promise<R>) => Promise<R> {
  let active = 0;
  const queue: (() => void)[] = [];
  const next = (): void => {
    active -= 1;
    queue.shift()?.();
  };
  return (task) =>
    new Promise((resolve, reject) => {
      const run = (): void => {
        active += 1;
        task().then(resolve, reject).finally(next);
      };
      if (active < n) {
        run();
      } else {
        queue.push(run);
      }
    });
}

function mainSession(): BrokerSession | undefined {
  return (globalThis as unknown as Record<symbol, BrokerSession | undefined>)[MAIN_SESSION];
}
