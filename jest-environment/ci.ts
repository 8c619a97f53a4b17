/**
 * The Jest side of the CI features: the reporter hands the run's tests to the session's run record, and global
 * teardown runs the post-run file scan, the audit record and the step summary before the session closes.
 */
import { realpathSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { AggregatedResult, TestResult } from '@jest/test-result';
import type { Config } from '@jest/types';
import { finishRun, scanLateWrites } from '../src/ci/finish.js';
import type { BrokerSession } from '../src/host/index.js';
import type { TestRecord } from '../src/host/run-record.js';
import { MAIN_SESSION, RESULT_FIELD } from './constants.js';
import type { ResultExtension } from './test-runner.js';

function mainSession(): BrokerSession | undefined {
  return (globalThis as unknown as Record<symbol, BrokerSession | undefined>)[MAIN_SESSION];
}

/**
 * @internal From the reporter's `onRunComplete`. Jest's results do not say which credentials a test held, so a
 * test that ran is counted for every credential its file was granted (file docblock plus per-test declarations).
 */
export function recordJestRun(results: AggregatedResult, rootDir: string): void {
  const session = mainSession();
  if (session === undefined) {
    return;
  }
  const tests = results.testResults.flatMap((file: TestResult): TestRecord[] => {
    const granted = session.ci.grantedTo(file.testFilePath);
    const skipped = (file as TestResult & { [RESULT_FIELD]?: ResultExtension })[RESULT_FIELD]?.skipped ?? [];
    return file.testResults.map((t): TestRecord => {
      const skips = skipped.find((s) => s.test === t.fullName)?.credentials ?? [];
      const ran = t.status === 'passed' || t.status === 'failed';
      const status =
        t.status === 'passed' || t.status === 'failed'
          ? t.status
          : t.status === 'pending' || t.status === 'skipped'
            ? 'skipped'
            : 'other';
      return {
        file: relative(rootDir, file.testFilePath),
        test: t.fullName,
        status,
        credentials: ran ? granted : [],
        ...(typeof t.startAt === 'number' ? { startedAt: t.startAt } : {}),
        ...(typeof t.duration === 'number' ? { durationMs: t.duration } : {}),
        ...(skips.length === 0 ? {} : { skipped: skips.map((c) => ({ name: c.name, reason: c.reason })) }),
      };
    });
  });
  session.ci.setTests('jest', tests);
}

/** @internal From global teardown, before the session closes. Fails the run when a written file held a value. */
export function finishJestRun(globalConfig: Config.GlobalConfig | undefined): void {
  const session = mainSession();
  if (session === undefined) {
    return;
  }
  const root = globalConfig?.rootDir ?? session.configDir;
  // As @jest/core's processResults() resolves it: from the working directory (Jest leaves the option as given).
  const outputFile = globalConfig?.outputFile === undefined ? undefined : resolve(realCwd(), globalConfig.outputFile);
  const extra = globalConfig?.collectCoverage ? [resolve(root, globalConfig.coverageDirectory)] : [];
  if (session.ci.runner === undefined) {
    session.ci.setTests('jest', []);
  }
  const { failed, scanned } = finishRun(session, {
    root,
    extraRoots: extra,
    ...(outputFile === undefined ? {} : { outputs: [outputFile] }),
  });
  const processor = globalConfig?.testResultsProcessor;
  if (outputFile !== undefined || processor !== undefined) {
    // @jest/core's processResults() runs `testResultsProcessor` (which writes a report of its own) and writes
    // `--json --outputFile` after global teardown (here) and after every reporter's onRunComplete, so neither sees
    // what they write. The main process's 'exit' event comes after them in every way Jest ends once they ran: the
    // event loop drained, or `--forceExit`'s process.exit(); a listener runs synchronously there and process.exitCode
    // set there is the code the process exits with. (`beforeExit` is not emitted on process.exit().)
    const scannedAt = Date.now();
    process.once('exit', () => {
      try {
        const inOutput =
          outputFile !== undefined &&
          scanLateWrites(session, { roots: [outputFile], since: session.ci.startedAt, outputs: [outputFile], root });
        // What the processor wrote, wherever under the roots: a second walk, only for runs that have one.
        const byProcessor =
          processor !== undefined &&
          scanLateWrites(session, {
            roots: [root, ...extra],
            since: scannedAt,
            // Those scanned above are reported there (a file written just before it falls in the time slack).
            exclude: [...scanned, ...(outputFile === undefined ? [] : [outputFile])],
            root,
          });
        if (inOutput || byProcessor) {
          process.exitCode = 1;
        }
      } catch (error) {
        process.stderr.write(`credential-broker: could not scan what Jest wrote last: ${(error as Error).name}\n`);
        process.exitCode = 1;
      }
    });
  }
  if (failed) {
    process.exitCode = 1;
    // `--forceExit` exits with Jest's own code; an exit listener has the last word.
    process.once('exit', () => {
      process.exitCode ||= 1;
    });
  }
}

function realCwd(): string {
  try {
    return realpathSync(process.cwd());
  } catch {
    return process.cwd();
  }
}
