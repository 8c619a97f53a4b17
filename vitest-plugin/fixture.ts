import { test as baseTest } from 'vitest';
import { BrokerError } from '../src/errors.js';
import { brokerFor } from './claim.js';
import { leaseId, skipForMissing, TaskLeases } from './leases.js';
import type { CredentialName, CredentialsFixture, CredentialTestOptions, CredentialValues } from './types.js';

function createCredentialTest() {
  return baseTest.extend(
    'credentials',
    async ({ task, skip, annotate }, { onCleanup }): Promise<CredentialsFixture> => {
      const leases = new TaskLeases(task.name);
      const files: Partial<Record<string, string>> = {};
      onCleanup(() => leases.end());

      const credentials = async <const K extends CredentialName>(
        ...names: readonly [K, ...K[]]
      ): Promise<CredentialValues<K>> => {
        const broker = await brokerFor('credentials()');
        const request = {
          file: task.file.filepath,
          taskId: leaseId(task),
          names,
          env: task.concurrent ? null : process.env,
          label: task.fullName,
        };
        const lease = await leases.acquire(broker, request, 'credentials()');
        if (lease.skipped.length > 0) {
          return skipForMissing({ task, skip, annotate }, lease.skipped);
        }
        Object.assign(files, lease.files);
        return lease.values as CredentialValues<K>;
      };
      return Object.assign(credentials, { files });
    }
  );
}

/** @public The type of {@link test}: Vitest's `test` API with the `credentials` fixture. */
export type CredentialTest = ReturnType<typeof createCredentialTest>;

/**
 * @public Vitest's `test` with a `credentials` fixture. `await credentials('A', 'B')` resolves to `{ A, B }`,
 * sets their env vars and writes their 0600 files for this test only, and skips the test with the reason when
 * egress is disabled and one of them needs the network. In a `test.concurrent` test it sets no env vars (the
 * concurrent tests share one `process.env`): use the returned values and `credentials.files`.
 *
 * ```ts
 * test('reads rows', async ({ credentials }) => {
 *   const { DATABASE_URL } = await credentials('DATABASE_URL');
 * });
 * ```
 */
export const test: CredentialTest = isVitestWorker() ? createCredentialTest() : mainProcessStub();

// `test.extend` needs the worker's runner; this module is also imported by the config (for the plugin) in the
// main process, where only the plugin is used.
function isVitestWorker(): boolean {
  return (globalThis as { __vitest_worker__?: unknown }).__vitest_worker__ !== undefined;
}

function mainProcessStub(): CredentialTest {
  const fail = () => {
    throw new BrokerError('UNSUPPORTED', "test from 'credential-broker/vitest' can only be used in test files", {
      backend: 'vitest',
      operation: 'test',
      hint: 'It was used in the main process (a config or global setup file)',
    });
  };
  return fail as unknown as CredentialTest;
}

/**
 * @public Test options declaring the credentials a test (or every test of a `describe`) needs, without the fixture:
 * they are set as env vars and files before the test's hooks and wiped after. Merge them with other options.
 *
 * ```ts
 * test('migrates', withCredentials('DATABASE_URL'), () => { … process.env.DATABASE_URL … });
 * describe('admin api', { ...withCredentials('API_TOKEN'), timeout: 20_000 }, () => { … });
 * ```
 */
export function withCredentials<const K extends CredentialName>(
  ...names: readonly [K, ...K[]]
): CredentialTestOptions<K> {
  return { meta: { credentials: names } };
}
