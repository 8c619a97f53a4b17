/**
 * `credential-broker/jest-runner`: jest-circus's runner, wrapped. It scrubs what leaves the worker — the file's
 * TestResult, the per-test messages sent to the main process, and errors thrown while the test file loads, which
 * Jest reports as "Test suite failed to run" and no environment hook can reach — and attaches the skip reasons
 * for our reporter.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { JestEnvironment } from '@jest/environment';
import type { TestResult } from '@jest/test-result';
import type { Config } from '@jest/types';
import type * as JestSnapshot from 'jest-snapshot';
import { Scrubber, scrubDeep } from '../src/scrub/index.js';
import { workerScrubber } from './channel-ticket.js';
import { ENVIRONMENT_BROKER, RESULT_FIELD } from './constants.js';
import type { FileBroker, SkippedTest } from './file-broker.js';
import { requireFromJest } from './resolve-jest.js';
import { mayCarryValues } from './test-case-filter.js';

type SendMessage = (eventName: string, args: Array<unknown>) => void;
type Runner = (
  globalConfig: Config.GlobalConfig,
  config: Config.ProjectConfig,
  environment: JestEnvironment,
  runtime: unknown,
  testPath: string,
  sendMessageToJest?: SendMessage
) => Promise<TestResult>;

/** @public What our TestResult field carries to the reporter. */
export interface ResultExtension {
  readonly skipped: readonly SkippedTest[];
}

/**
 * @public Jest `testRunner`: jest-circus with scrubbing at the worker's boundary. Not an async function: an awaiting
 * wrapper would show up as a frame in the stack trace of every failing test.
 */
export default function credentialBrokerTestRunner(
  globalConfig: Config.GlobalConfig,
  config: Config.ProjectConfig,
  environment: JestEnvironment,
  runtime: unknown,
  testPath: string,
  sendMessageToJest?: SendMessage
): Promise<TestResult> {
  const circus = requireFromJest<Runner>('jest-circus/runner', config.rootDir);
  const broker = (environment as unknown as Record<symbol, FileBroker | undefined>)[ENVIRONMENT_BROKER];
  // Another environment (a @jest-environment docblock) has no broker; the worker's values may still be known.
  const scrubber = (): Scrubber => broker?.scrubber ?? fallbackScrubber();
  const send: SendMessage | undefined =
    sendMessageToJest === undefined
      ? undefined
      : (eventName, args) =>
          sendMessageToJest(
            eventName,
            args.map((arg) => (mayCarryValues(arg) ? scrubbed(arg, scrubber()) : arg))
          );
  return Promise.resolve()
    .then(() => circus(globalConfig, config, environment, runtime, testPath, send))
    .then(async (result) => {
      await scrubWrittenSnapshots(config, testPath, result, scrubber());
      return result;
    })
    .then(
      (result) => {
        scrubbed(result, scrubber());
        if (broker !== undefined && broker.skipped.length > 0) {
          const extension: ResultExtension = { skipped: broker.skipped };
          Object.assign(result, { [RESULT_FIELD]: extension });
        }
        return result;
      },
      (error: unknown) => {
        throw scrubbed(error, scrubber());
      }
    );
}

/**
 * A backstop behind the serializer, which sees snapshot values but not their keys (a test name is scrubbed, but a
 * `toMatchSnapshot(hint)` is not): when this file wrote snapshots, the files written — the `.snap` file and, for
 * inline snapshots, the test file itself — are rewritten scrubbed if a value got into them anyway.
 */
async function scrubWrittenSnapshots(
  config: Config.ProjectConfig,
  testPath: string,
  result: TestResult,
  scrubber: Scrubber
): Promise<void> {
  if (scrubber.size === 0 || result.snapshot.added + result.snapshot.updated === 0) {
    return;
  }
  const snapshot = requireFromJest<typeof JestSnapshot>('jest-snapshot', config.rootDir);
  const resolver = await snapshot.buildSnapshotResolver(config);
  for (const path of [resolver.resolveSnapshotPath(testPath), testPath]) {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (text !== '' && scrubber.has(text)) {
      writeFileSync(path, scrubber.scrub(text));
    }
  }
}

// Nothing delivered to this worker yet: nothing to look for.
function scrubbed<T>(value: T, scrubber: Scrubber): T {
  return scrubber.size === 0 ? value : scrubDeep(value, scrubber);
}

let none: Scrubber | undefined;

function fallbackScrubber(): Scrubber {
  none ??= new Scrubber();
  return workerScrubber() ?? none;
}
