/**
 * `credential-broker/vitest`: the Vitest plugin (main process) and the `test` with a `credentials` fixture
 * (workers). The main-process session is imported lazily, so a worker importing `test` loads only the runtime.
 */

export type { CredentialTest } from './fixture.js';
export { test, withCredentials } from './fixture.js';
export type { CredentialBrokerPluginOptions } from './options.js';
export { credentialBroker } from './plugin.js';
export type {
  CredentialName,
  CredentialNames,
  CredentialsFixture,
  CredentialTestOptions,
  CredentialValues,
  MissingCredential,
} from './types.js';
