/**
 * `credential-broker/jest-runner`: jest-circus's runner, wrapped. It scrubs what leaves the worker — the file's
 * TestResult, the per-test messages sent to the main process, and errors thrown while the test file loads, which
 * Jest reports as "Test suite failed to run" and no environment hook can reach — and attaches the skip reasons
 * for our reporter.
 */
import type { JestEnvironment } from '@jest/environment';
import type { TestResult } from '@jest/test-result';
import type { Config } from '@jest/types';
import { RunBaseline, renderFindings, scanWrittenFiles } from '../src/scan/index.js';
import { detachedCopy } from '../src/scrub/detached-copy.js';
import { Scrubber, scrubDeep, settleToJSON } from '../src/scrub/index.js';
import { workerScrubber } from './channel-ticket.js';
import { ENVIRONMENT_BROKER, RESULT_FIELD } from './constants.js';
import type { FileBroker, SkippedTest } from './file-broker.js';
import { requireFromJest } from './resolve-jest.js';
import { snapshotPathOf } from './snapshot-path.js';
import { mayCarryValues } from './test-case-filter.js';
import { foreignEnvironmentError } from './usage-errors.js';

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
  const misplaced = broker === undefined ? foreignEnvironmentError(testPath, config.testEnvironment) : undefined;
  if (misplaced !== undefined) {
    return Promise.reject(misplaced);
  }
  // Another environment (a @jest-environment docblock) has no broker; the worker's values may still be known.
  const scrubber = (): Scrubber => broker?.scrubber ?? fallbackScrubber();
  const send: SendMessage | undefined =
    sendMessageToJest === undefined
      ? undefined
      : (eventName, args) =>
          sendMessageToJest(
            eventName,
            args.map((arg) => (mayCarryValues(arg) ? scrubbedForJest(arg, scrubber()) : arg))
          );
  let written: WrittenFiles | undefined;
  return captureWrittenFiles(config, testPath)
    .then((captured) => {
      written = captured;
      return circus(globalConfig, config, environment, runtime, testPath, send);
    })
    .then((result) => {
      auditWrittenFiles(written!, result, scrubber(), config.rootDir);
      return result;
    })
    .then(
      (result) => {
        // In place: settleToJSON returns another object only for a root with its own `toJSON`, which a result has not.
        scrubbedForJest(result, scrubber());
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

interface WrittenFiles {
  readonly baseline: RunBaseline;
  readonly paths: readonly string[];
}

// The files jest-snapshot may rewrite for this test file — its `.snap` and, for inline snapshots, the test file —
// as they are before it runs: the audit looks only at what the run changes in them.
async function captureWrittenFiles(config: Config.ProjectConfig, testPath: string): Promise<WrittenFiles> {
  const paths = [testPath];
  try {
    paths.unshift(await snapshotPathOf(config, testPath));
  } catch {
    // A snapshot resolver that fails here fails the file's own snapshot assertions too, with Jest's message; the
    // test file is still captured.
  }
  return { baseline: new RunBaseline().capture(paths), paths };
}

/**
 * A backstop behind the serializer, which sees snapshot values but not their keys (a test name is scrubbed, but a
 * `toMatchSnapshot(hint)` is not): a value in what this file's run wrote fails the file, naming file, line and
 * credential. A new `.snap` is redacted in place; a file that existed (the test source) is never rewritten.
 */
function auditWrittenFiles(written: WrittenFiles, result: TestResult, scrubber: Scrubber, rootDir: string): void {
  if (scrubber.size === 0) {
    return;
  }
  const findings = scanWrittenFiles(written.baseline, written.paths, scrubber);
  if (findings.length === 0) {
    return;
  }
  const message = renderFindings(findings, rootDir);
  result.numFailingTests += 1;
  result.failureMessage = `${result.failureMessage ?? ''}\n${message}\n`;
  result.testResults.push({
    ancestorTitles: [],
    duration: 0,
    failureDetails: [],
    failureMessages: [message],
    fullName: 'credential-broker: files written by this test file',
    numPassingAsserts: 0,
    status: 'failed',
    title: 'credential-broker: files written by this test file',
  });
}

// Nothing delivered to this worker yet: nothing to look for.
function scrubbed<T>(value: T, scrubber: Scrubber): T {
  return scrubber.size === 0 ? value : scrubDeep(value, scrubber);
}

/**
 * A result or a message on its way to the main process: an error's `toJSON()` (in `failureDetails`) is called there
 * by jest-worker's serialisation, or by `--json` in band, past our scrub; what it returns is scrubbed here instead.
 */
function scrubbedForJest<T>(value: T, scrubber: Scrubber): T {
  if (scrubber.size === 0) {
    return value;
  }
  detachFailures(value);
  return scrubDeep(settleToJSON(value) as T, scrubber);
}

/**
 * A failure's details are the test's errors, and through them the test's own objects (an assertion's
 * `matcherResult.actual`, a thrown error's properties): settled and scrubbed in place, a value in them became its
 * label and a key holding one was renamed, so a retried test (`jest.retryTimes`), or a later test of the file using
 * the same object, failed. They are settled and scrubbed in a copy. Only failures carry them, so a passing test's
 * result is not copied.
 */
function detachFailures(value: unknown): void {
  if (typeof value !== 'object' || value === null) {
    return;
  }
  const results = (value as { testResults?: unknown }).testResults;
  for (const result of Array.isArray(results) ? results : [value]) {
    const failures = (result as { failureDetails?: unknown } | null)?.failureDetails;
    if (Array.isArray(failures) && failures.length > 0) {
      (result as { failureDetails: unknown[] }).failureDetails = detachedCopy(failures);
    }
  }
}

let none: Scrubber | undefined;

function fallbackScrubber(): Scrubber {
  none ??= new Scrubber();
  return workerScrubber() ?? none;
}
