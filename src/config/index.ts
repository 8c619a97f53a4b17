export { defineConfig } from './define.js';
export { CONFIG_FILE_NAMES, findConfigFile, loadConfig, noConfigError, validateConfig } from './load.js';
export type { CredentialSpec, Destination, LoadedConfig } from './normalise.js';
export { FILE_PATH_SUFFIX, inlineCredential } from './normalise.js';
export type { BrokerConfig, BrokerConfigInput, CredentialEntryInput } from './schema.js';
export { configSchema } from './schema.js';
