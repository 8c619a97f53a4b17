import type { BackendFactory } from '../contract/backend.js';
import type { Scheme } from '../ref/types.js';

type Loader = () => Promise<BackendFactory>;

/**
 * Scheme → lazy loader (G10). Nothing here imports a backend module statically, so a run that uses only
 * `env:` never loads the sops decoder, and workers never load any backend at all.
 */
const LOADERS: Readonly<Record<Scheme, Loader>> = {
  env: async () => (await import('./env/index.js')).createEnvBackend as BackendFactory,
  file: async () => (await import('./file/index.js')).createFileBackend as BackendFactory,
  sops: async () => (await import('./sops/index.js')).createSopsBackend as BackendFactory,
  age: async () => (await import('./age/index.js')).createAgeBackend as BackendFactory,
  vault: async () => (await import('./vault/index.js')).createVaultBackend as BackendFactory,
  'aws-sm': async () => (await import('./aws-sm/index.js')).createAwsSmBackend as BackendFactory,
  'gcp-sm': async () => (await import('./gcp-sm/index.js')).createGcpSmBackend as BackendFactory,
  'azure-kv': async () => (await import('./azure-kv/index.js')).createAzureKvBackend as BackendFactory,
  'aws-sts': async () => (await import('./aws-sts/index.js')).createAwsStsBackend as BackendFactory,
  'vault-token': async () => (await import('./vault-token/index.js')).createVaultTokenBackend as BackendFactory,
  'gcp-token': async () => (await import('./gcp-token/index.js')).createGcpTokenBackend as BackendFactory,
  'azure-token': async () => (await import('./azure-token/index.js')).createAzureTokenBackend as BackendFactory,
};

/** @internal The `backends` section whose settings a scheme uses: minted Vault tokens come from Vault's identity. */
export function settingsScheme(scheme: Scheme): Exclude<Scheme, 'vault-token'> {
  return scheme === 'vault-token' ? 'vault' : scheme;
}

/** @internal Load the factory of one scheme. */
export function loadBackendFactory(scheme: Scheme): Promise<BackendFactory> {
  return LOADERS[scheme]();
}
