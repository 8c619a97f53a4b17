/**
 * `credential-broker/jest`: what a test file imports. It runs inside Jest's sandbox, so it holds no broker code:
 * it calls the API the credential-broker environment installed on the sandbox's global.
 */
import { BrokerError } from '../src/errors.js';
import { SANDBOX_API } from './constants.js';
import type { SandboxApi } from './sandbox-api.js';

/** @public The `credentials` function: values by name, plus the files and env vars materialised for this test. */
export interface CredentialsFunction {
  /**
   * Materialises `names` for the running test (released when it ends) and returns their values by name. Called
   * outside a test (`beforeAll`, `afterAll`), they are held for the test file. When a credential cannot be had
   * because egress is disabled, the test is reported as skipped with the reason.
   */
  (...names: string[]): Promise<Readonly<Record<string, string>>>;
  /** Credential name → 0600 file path, for what the running test and its file hold (delivery `file`/`both`). */
  files(): Readonly<Record<string, string>>;
  /**
   * Env var name → value, for what the running test and its file hold. Jest's `process.env` in a test is a
   * sandbox copy that child processes do not inherit: pass `{ env: { ...process.env, ...credentials.env() } }`.
   */
  env(): Readonly<Record<string, string>>;
}

/** @internal The test-facing functions over an API lookup (the sandbox global here; the environment for globals). */
export function testFunctions(lookup: (operation: string) => SandboxApi): {
  readonly credentials: CredentialsFunction;
  readonly withCredentials: (names: readonly string[], define: () => void) => void;
} {
  return {
    credentials: Object.assign((...names: string[]) => lookup('credentials').credentials(names), {
      files: () => lookup('credentials.files').files(),
      env: () => lookup('credentials.env').env(),
    }),
    withCredentials: (names: readonly string[], define: () => void) => lookup('withCredentials').declare(names, define),
  };
}

function fromGlobal(operation: string): SandboxApi {
  const found = (globalThis as unknown as Record<symbol, SandboxApi | undefined>)[SANDBOX_API];
  if (found === undefined) {
    throw new BrokerError('CONFIG_INVALID', 'this test file does not run in the credential-broker Jest environment', {
      backend: 'jest',
      operation,
      hint: "Use preset: 'credential-broker', or testEnvironment: 'credential-broker/jest-environment' (or 'credential-broker/jest-environment-jsdom'), also in any @jest-environment docblock",
    });
  }
  return found;
}

const functions = testFunctions(fromGlobal);

/** @public Ask for credentials in a test. See {@link CredentialsFunction}. Also a global unless `injectGlobals: false`. */
export const credentials: CredentialsFunction = functions.credentials;

/**
 * @public Declares that the tests defined inside `define` (with `test`, `it`, `test.each`, nested `describe`…) need
 * `names`. Each such test gets them materialised when it starts and released when it ends, and is skipped before
 * its hooks and body run when one of them cannot be had (egress disabled). Also a global unless `injectGlobals: false`.
 *
 * ```js
 * withCredentials(['DATABASE_URL'], () => {
 *   test('reads a row', async () => { await query(process.env.DATABASE_URL); });
 * });
 * ```
 */
export function withCredentials(names: readonly string[], define: () => void): void {
  functions.withCredentials(names, define);
}
