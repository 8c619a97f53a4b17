import { BrokerError } from '../errors.js';
import type { Scheme } from '../ref/types.js';
import type { BackendFactory } from './types.js';

type Loader = () => Promise<BackendFactory>;

const notYet =
  (scheme: Scheme, issue: string): Loader =>
  () =>
    Promise.reject(
      new BrokerError('UNSUPPORTED', `resolving ${scheme}: references is not implemented in this version`, {
        backend: scheme,
        operation: 'load backend',
        hint: `The ${scheme} backend (${issue}) is on the roadmap; until then use env:, file:, sops: or age: refs`,
      })
    );

/**
 * Scheme → lazy loader (G10). Nothing here imports a backend module statically, so a run that uses only
 * `env:` never loads the sops decoder, and workers never load any backend at all.
 */
const LOADERS: Readonly<Record<Scheme, Loader>> = {
  env: async () => (await import('../backends/env/index.js')).createEnvBackend as BackendFactory,
  file: async () => (await import('../backends/file/index.js')).createFileBackend as BackendFactory,
  sops: async () => (await import('../backends/sops/index.js')).createSopsBackend as BackendFactory,
  age: async () => (await import('../backends/age/index.js')).createAgeBackend as BackendFactory,
  vault: async () => (await import('../backends/vault/index.js')).createVaultBackend as BackendFactory,
  'aws-sm': notYet('aws-sm', 'AWS Secrets Manager'),
  'gcp-sm': async () => (await import('../backends/gcp-sm/index.js')).createGcpSmBackend as BackendFactory,
  'azure-kv': async () => (await import('../backends/azure-kv/index.js')).createAzureKvBackend as BackendFactory,
};

/** @internal Load the factory of one scheme. */
export function loadBackendFactory(scheme: Scheme): Promise<BackendFactory> {
  return LOADERS[scheme]();
}
