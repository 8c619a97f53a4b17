import type { BrokerConfigInput } from './schema.js';

/** @public Typed identity function for `credential-broker.config.ts`. */
export function defineConfig(config: BrokerConfigInput): BrokerConfigInput {
  return config;
}
