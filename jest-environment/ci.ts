/**
 * The Jest side of the CI features: the reporter hands the run's tests to the session's run record, and global
 * teardown runs the post-run file scan, the audit record and the step summary before the session closes.
 */
import { realpathSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { AggregatedResult, TestResult } from '@jest/test-result';
import type { Config } from '@jest/types';
import { finishRun, scanLateReport } from '../src/ci/finish.js';
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
  const failed = finishRun(session, {
    root,
    extraRoots: extra,
    ...(outputFile === undefined ? {} : { outputs: [outputFile] }),
  }).failed;
  if (outputFile !== undefined) {
    // @jest/core writes `--json --outputFile` in processResults(), after global teardown (here) and after every
    // reporter's onRunComplete, so neither sees the report. The main process's 'exit' event comes after it in every
    // way Jest ends once it has written it: the event loop drained, or `--forceExit`'s process.exit(); a listener
    // runs synchronously there and process.exitCode set there is the code the process exits with. (`beforeExit` is
    // not emitted on process.exit().)
    process.once('exit', () => {
      try {
        if (scanLateReport(session, outputFile, root)) {
          process.exitCode = 1;
        }
      } catch (error) {
        process.stderr.write(`credential-broker: could not scan ${outputFile}: ${(error as Error).name}\n`);
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
