/**
 * credential-broker — the core, usable without any test runner.
 * Runner adapters: `credential-broker/vitest`, `credential-broker/jest-environment`.
 */

export type { Badge } from './backends/labels.js';
export { BADGES } from './backends/labels.js';
export type { BrokerConfig, BrokerConfigInput, CredentialSpec, Destination, LoadedConfig } from './config/index.js';
export {
  CONFIG_FILE_NAMES,
  configSchema,
  defineConfig,
  FILE_PATH_SUFFIX,
  findConfigFile,
  loadConfig,
} from './config/index.js';
export type { Backend, BackendFactory, Endpoint, FetchContext, Logger, SecretDocument } from './contract/backend.js';
export type { DocblockDeclaration } from './docblock/index.js';
export { readCredentialPragmas, readCredentialPragmasFromFile } from './docblock/index.js';
export type { Classification } from './egress/classify.js';
export { classifyHost } from './egress/classify.js';
export { endpointOf } from './egress/endpoint.js';
export type { EgressSource, Manifest, ManifestEntry, ManifestPlace, ManifestStatus } from './egress/manifest.js';
export { buildManifest, skipReason } from './egress/manifest.js';
export type { ManifestFormat, RenderOptions } from './egress/render.js';
export { renderManifest } from './egress/render.js';
export type { BrokerErrorCode, BrokerErrorOptions } from './errors.js';
export { BROKER_ERROR_CODES, BrokerError, isBrokerError } from './errors.js';
export type {
  BrokerSession,
  Delivery,
  Grant,
  SessionHandle,
  SessionOptions,
  StartSessionOptions,
} from './host/index.js';
export { DEFAULT_MIN_SCRUB_LENGTH, DEFAULT_REPLACEMENT, ENV_EGRESS, startSession } from './host/index.js';
export type { Resolver, ResolverOptions } from './host/resolver.js';
export { createResolver } from './host/resolver.js';
export {
  documentKey,
  formatRef,
  isMintedRef,
  isNetworkScheme,
  MINTED_SCHEMES,
  parseRef,
  RefSyntaxError,
  SCHEMES,
  selectKey,
  tryParseRef,
} from './ref/index.js';
export type * from './ref/types.js';
export type { ScrubberOptions, ScrubWarning } from './scrub/index.js';
export { createScrubStream, Scrubber, ScrubbingWriter, scrubDeep } from './scrub/index.js';
export { isSecretValue, SecretValue } from './scrub/secret-value.js';
export type { AcquireRequest, Lease, WorkerBroker } from './worker/index.js';
export { claimWorker } from './worker/index.js';
