/**
 * Names shared by the Jest adapter's pieces. They run in different places — the main process (global setup,
 * sequencer, runner, reporter), the worker (environment, test runner) and the test sandbox (the
 * `credential-broker/jest` module, the serializer) — so they meet through well-known symbols and the runner's own
 * messages, never module state, files or environment variables.
 */

/**
 * @internal Field of the global config our runner sends each test file with: the session handle and a one-time
 * ticket for that file (see channel-ticket.ts).
 */
export const GLOBAL_CONFIG_FIELD = 'credentialBrokerChannel';

/** @internal The sandbox API the environment installs on each test file's global. */
export const SANDBOX_API = Symbol.for('credential-broker.jest.sandbox-api.v1');

/** @internal The main process's session, from global setup to global teardown (read by the reporter). */
export const MAIN_SESSION = Symbol.for('credential-broker.jest.session.v1');

/**
 * @internal The scrubber of the main process's latest session, which its stdout and stderr go through; kept after
 * global teardown (the user's teardown may print after ours, and the values are still the run's).
 */
export const MAIN_SCRUBBER = Symbol.for('credential-broker.jest.main-scrubber.v1');

/** @internal The test files the sequencer saw, handed to global setup (both run in the main process). */
export const MAIN_PLAN = Symbol.for('credential-broker.jest.plan.v1');

/** @internal The environment's per-file broker, read by the test-runner wrapper. */
export const ENVIRONMENT_BROKER = Symbol.for('credential-broker.jest.file-broker.v1');

/** @internal Extra TestResult field carrying skip reasons from the worker to our reporter. */
export const RESULT_FIELD = 'credentialBroker';

/** @internal Brand of the error `credentials()` throws when a credential is skipped mid-test. */
export const SKIP_MARKER = Symbol.for('credential-broker.jest.skip.v1');
