/**
 * `credential-broker/jest`: what a test file imports. It runs inside Jest's sandbox, so it holds no broker code:
 * it calls the API the credential-broker environment installed on the sandbox's global.
 */
import { BrokerError } from '../src/errors.js';
import type { CredentialValues, RegisteredName } from '../src/names.js';
import { SANDBOX_API } from './constants.js';
import type { SandboxApi } from './sandbox-api.js';

/** @public A credential name: a key of the global `CredentialBroker.CredentialNames`, or any string while it is empty. */
export type CredentialName = RegisteredName;
export type { CredentialValues };

/**
 * @public Credential name → 0600 file path, the same shape as Vitest's `credentials.files`. Calling it, the shape of
 * earlier versions, still works and warns once.
 */
export type CredentialFiles = Readonly<Partial<Record<CredentialName, string>>> &
  /** @deprecated read `credentials.files.NAME`: `files` is the record itself, as in Vitest. */
  (() => Readonly<Record<string, string>>);

/** @public The `credentials` function: values by name, plus the files and env vars materialised for this test. */
export interface CredentialsFunction {
  /**
   * Materialises `names` for the running test (released when it ends) and returns their values by name. Called
   * outside a test (`beforeAll`, `afterAll`), they are held for the test file. When a credential cannot be had
   * because egress is disabled, the test is reported as skipped with the reason.
   */
  <const K extends CredentialName>(...names: readonly [K, ...K[]]): Promise<CredentialValues<K>>;
  /** Credential name → 0600 file path, for what the running test and its file hold (delivery `file`/`both`). */
  readonly files: CredentialFiles;
  /**
   * Env var name → value, for what the running test and its file hold. Jest's `process.env` in a test is a
   * sandbox copy that child processes do not inherit: pass `{ env: { ...process.env, ...credentials.env() } }`.
   */
  env(): Readonly<Record<string, string>>;
}

let warnedFilesCall = false;

/** The record, also callable the old way: a function object whose own properties are the entries. */
function callableRecord(record: Readonly<Record<string, string>>): CredentialFiles {
  const legacy = () => {
    if (!warnedFilesCall) {
      warnedFilesCall = true;
      process.emitWarning('credentials.files() is deprecated: read credentials.files.NAME, as in Vitest', {
        type: 'DeprecationWarning',
        code: 'CREDENTIAL_BROKER_FILES_CALL',
      });
    }
    return record;
  };
  // `name` and `length` are a function's own (configurable) properties: a credential may be called either.
  for (const key of ['name', 'length']) {
    delete (legacy as unknown as Record<string, unknown>)[key];
  }
  for (const [key, value] of Object.entries(record)) {
    Object.defineProperty(legacy, key, { value, enumerable: true });
  }
  return Object.freeze(legacy) as unknown as CredentialFiles;
}

/** @internal The test-facing functions over an API lookup (the sandbox global here; the environment for globals). */
export function testFunctions(lookup: (operation: string) => SandboxApi): {
  readonly credentials: CredentialsFunction;
  readonly withCredentials: (names: readonly CredentialName[], define: () => void) => void;
} {
  const credentials = (...names: string[]) => lookup('credentials').credentials(names);
  Object.defineProperty(credentials, 'files', {
    get: () => callableRecord(lookup('credentials.files').files()),
    enumerable: true,
  });
  return {
    credentials: Object.assign(credentials, {
      env: () => lookup('credentials.env').env(),
    }) as unknown as CredentialsFunction,
    withCredentials: (names: readonly CredentialName[], define: () => void) =>
      lookup('withCredentials').declare(names, define),
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
export function withCredentials<const K extends CredentialName>(names: readonly K[], define: () => void): void {
  functions.withCredentials(names, define);
}
