/**
 * `credential-broker/testing`: the local Vault, AWS, GCP and Azure servers the broker's own tests run against,
 * shipped so your api-lane tests run offline with the refs you really use. TEST ONLY: every key and certificate is
 * generated at run time, and the servers accept only the credentials they minted.
 */

export { type AwsFake, type AwsFakeOptions, startAwsFake } from './aws/index.js';
export {
  type EntraOptions,
  type KeyVaultOptions,
  type StartedEntra,
  type StartedKeyVault,
  startEntra,
  startKeyVault,
} from './azure/index.js';
export {
  type BackendEndpoints,
  type StartBackendsOptions,
  type StartedBackends,
  type StartedServers,
  startBackends,
  TEST_IDENTITY,
} from './backends.js';
export type { GcpAuthServer, GcpSecretManagerServer } from './gcp/index.js';
export { createTestTls, type TestTls, type TestTlsOptions } from './tls.js';
export { type FakeVault, type FakeVaultOptions, startFakeVault } from './vault/index.js';

/** @public The GCP servers (gRPC: needs `@grpc/grpc-js` and `@grpc/proto-loader`), loaded on demand. */
export async function loadGcpTestServers() {
  const { loadGcpServers } = await import('./gcp-loader.js');
  return loadGcpServers();
}
