/**
 * The mistakes a Jest test file can make with the broker's API, each as an error that names the file (and line where
 * known), what was wrong and the fix (aesthetics.md G5–G7), never a frame of ours.
 */
import { relative } from 'node:path';
import type { Circus } from '@jest/types';
import { BrokerError } from '../src/errors.js';

/**
 * @internal Finding 7 of issue 11: concurrent tests share one `process.env`, so a value set for one would reach every
 * test running beside it, including those that declared nothing. Refused like Vitest refuses its concurrent case.
 * `frame` is the test's definition in the file's stack, when it was recorded.
 */
export function concurrentEnvError(test: Circus.TestEntry, testPath: string, frame: string | undefined): BrokerError {
  const line = frame?.split(`${testPath}:`)[1]?.match(/^\d+/)?.[0];
  const where = `${relative(process.cwd(), testPath)}${line === undefined ? '' : `:${line}`}`;
  const error = new BrokerError(
    'CONFIG_INVALID',
    `"${test.name}" is a test.concurrent in a file that holds credentials as env vars (@credentials, withCredentials or credentials()); concurrent tests share one process.env, so one test's values would reach the others`,
    {
      backend: 'jest',
      operation: 'test.concurrent',
      ref: where,
      hint: 'Remove .concurrent from this test, or move it to a file that asks for no credentials',
    }
  );
  // Jest shows the code frame of the stack's first line: the user's test, not the broker's internals.
  error.stack = `${error.name}: ${error.message}${frame === undefined ? '' : `\n${frame}`}`;
  return error;
}

/** @internal The frame of `testPath` in the current stack: where a test is being defined. */
export function definitionFrame(testPath: string): string | undefined {
  return new Error().stack?.split('\n').find((f) => f.includes(`${testPath}:`));
}

/** @internal `withCredentials(names, define)`: an array of names, and a callback that defines tests synchronously. */
export function assertDeclaration(names: unknown, testPath: string): asserts names is readonly string[] {
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n === '')) {
    throw new BrokerError('CONFIG_INVALID', 'needs an array of credential names', {
      backend: 'jest',
      operation: 'withCredentials',
      ref: testPath,
      hint: "Write withCredentials(['DATABASE_URL'], () => { test(…) })",
    });
  }
}

/** @internal What a `withCredentials` callback returned: a promise means tests were defined too late. */
export function assertDefinedSynchronously(returned: unknown, testPath: string): void {
  if (returned !== undefined && typeof (returned as { then?: unknown })?.then === 'function') {
    throw new BrokerError('CONFIG_INVALID', 'the callback returned a promise', {
      backend: 'jest',
      operation: 'withCredentials',
      ref: testPath,
      hint: 'Define tests synchronously, as in describe()',
    });
  }
}

/** @internal `credentials(...names)`: one or more non-empty names. */
export function assertRequest(names: readonly unknown[], testPath: string): asserts names is readonly string[] {
  if (names.length === 0 || names.some((n) => typeof n !== 'string' || n === '')) {
    throw new BrokerError('CONFIG_INVALID', 'needs one or more credential names', {
      backend: 'jest',
      operation: 'credentials',
      ref: testPath,
      hint: "Write await credentials('DATABASE_URL', 'API_TOKEN')",
    });
  }
}

/** @internal A `credentials()` call that ran after its test file ended (not awaited in its test). */
export function askedAfterEnd(testPath: string): BrokerError {
  return new BrokerError('INTERNAL', 'credentials were asked for after the test file finished', {
    backend: 'jest',
    operation: 'credentials',
    ref: testPath,
    hint: 'Await every credentials() call inside the test or hook that needs it',
  });
}
