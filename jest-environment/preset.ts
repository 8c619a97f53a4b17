/**
 * `credential-broker/jest-preset`, what `preset: 'credential-broker'` loads. Paths are absolute, next to this
 * file in the package. Jest merges a preset under the user's config: the user's own `testEnvironment`,
 * `testRunner`, `testSequencer`, `reporters` or global hooks replace ours (see the README for composing them).
 */
import { join } from 'node:path';

const at = (file: string): string => join(__dirname, file);

/** @public The preset object. */
const preset = {
  globalSetup: at('jest-global-setup.cjs'),
  globalTeardown: at('jest-global-teardown.cjs'),
  testEnvironment: at('jest-environment.cjs'),
  testRunner: at('jest-runner.cjs'),
  // Jest's own runner, which also plans the run and hands each test file its one-time channel ticket.
  runner: at('jest-main-runner.cjs'),
  testSequencer: at('jest-sequencer.cjs'),
  // First, so that `default` and every later reporter receive scrubbed results.
  reporters: [at('jest-reporter.cjs'), 'default'],
};

export default preset;
