/**
 * The mistakes a Jest test file can make with the broker's API, each as an error that names the file (and line where
 * known), what was wrong and the fix (aesthetics.md G5–G7), never a frame of ours.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Circus } from '@jest/types';
import { extract, parse } from 'jest-docblock';
import { docblockLine, readCredentialPragmas } from '../src/docblock/index.js';
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

/**
 * @internal A file whose `@credentials` docblock would be ignored: it runs in an environment without the broker (a
 * `@jest-environment node` docblock, or a config `testEnvironment` of another package), so its tests would run without
 * the credentials it declares, silently. Undefined when the file declares none. Read only for such files.
 */
export function foreignEnvironmentError(testPath: string, testEnvironment: string): BrokerError | undefined {
  let source: string;
  try {
    source = readFileSync(testPath, 'utf8');
  } catch {
    // Jest could not have loaded it either; its own error says why.
    return undefined;
  }
  const [first] = readCredentialPragmas(source, testPath);
  if (first === undefined) {
    return undefined;
  }
  const pragma = parse(extract(source))['jest-environment'];
  const chosen =
    typeof pragma === 'string'
      ? `@jest-environment ${pragma}`
      : `the config's testEnvironment (${shortName(testEnvironment)})`;
  const line = docblockLine(source, first.name);
  const error = new BrokerError(
    'CONFIG_INVALID',
    `@credentials declares ${first.name}, but ${chosen} runs this file without the broker, so no test in it would get its credentials`,
    {
      backend: 'jest',
      operation: 'environment',
      ref: `${relative(process.cwd(), testPath)}${line === undefined ? '' : `:${line}`}`,
      hint: 'Use @jest-environment credential-broker/jest-environment (Node) or credential-broker/jest-environment-jsdom, or wrap your environment with withCredentialBroker() from credential-broker/jest-environment',
    }
  );
  // Jest prints the stack of a file that failed to run: the message is all there is to say, no frame of ours.
  error.stack = `${error.name}: ${error.message}`;
  return error;
}

// Jest resolves testEnvironment to an absolute path: the package it belongs to says more.
function shortName(path: string): string {
  const at = path.lastIndexOf('/node_modules/');
  return at === -1 ? relative(process.cwd(), path) : path.slice(at + '/node_modules/'.length);
}
