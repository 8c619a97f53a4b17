/**
 * `credential-broker/jest-main-runner`: Jest's own runner (`jest-runner`), in the main process, with the session's
 * part of each run: before any worker starts it plans the run from the files it was given (their `@credentials`
 * docblocks, read by this process) and removes `env:` sources from the environment the workers inherit; then it
 * sends every test file with a one-time ticket for the session channel (see channel-ticket.ts).
 */
import type { Test } from '@jest/test-result';
import type { Config } from '@jest/types';
import type { BrokerSession } from '../src/host/index.js';
import { channelField } from './channel-ticket.js';
import { GLOBAL_CONFIG_FIELD, MAIN_SESSION } from './constants.js';
import { type EmittingRunnerClass, withProcessIsolation } from './process-runner.js';
import { requireFromJest } from './resolve-jest.js';

interface JestRunner {
  runTests(tests: Array<Test>, watcher: unknown, options: unknown): Promise<void>;
}
// biome-ignore lint/suspicious/noExplicitAny: a mixin's base constructor must take any[] (TS2545)
type RunnerClass = new (...args: any[]) => JestRunner;

/**
 * @public Adds credential-broker's part to a Jest runner class that runs files with `jest-runner`'s mechanics (reads
 * `this._globalConfig` per file). Use it on a runner of your own: `module.exports = withCredentialBrokerRunner(Mine)`.
 */
export function withCredentialBrokerRunner<T extends RunnerClass>(Base: T): T {
  class CredentialBrokerRunner extends Base {
    // biome-ignore lint/suspicious/noExplicitAny: a mixin constructor must take any[] (TS2545)
    constructor(...args: any[]) {
      super(...args);
      const self = this as unknown as { _globalConfig: Config.GlobalConfig };
      const globalConfig = self._globalConfig;
      // Read once per file the runner sends (and a few times for its own settings): each read is a fresh copy.
      Object.defineProperty(this, '_globalConfig', {
        configurable: true,
        get: () => {
          const session = mainSession();
          return session === undefined
            ? globalConfig
            : { ...globalConfig, [GLOBAL_CONFIG_FIELD]: channelField(session, globalConfig.workerThreads === true) };
        },
      });
    }

    override async runTests(tests: Array<Test>, watcher: unknown, options: unknown): Promise<void> {
      const session = mainSession();
      const roots = [...new Set(tests.map((t) => t.context.config.rootDir))];
      await session?.plan([...new Set(tests.map((t) => t.path))], roots);
      return super.runTests(tests, watcher, options);
    }
  }
  return CredentialBrokerRunner;
}

function mainSession(): BrokerSession | undefined {
  return (globalThis as unknown as Record<symbol, BrokerSession | undefined>)[MAIN_SESSION];
}

// jest-runner's module has the runner as its default export; requireFromJest unwraps it.
const Base = requireFromJest<EmittingRunnerClass>('jest-runner');

/**
 * @public Jest's default runner with credential-broker's part, running every test file in a child process whose
 * output this process scrubs (see process-runner.ts).
 */
export default withCredentialBrokerRunner(withProcessIsolation(Base));
