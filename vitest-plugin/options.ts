import type { BrokerConfigInput } from '../src/config/index.js';
import { BrokerError } from '../src/errors.js';

/** @public Options of {@link credentialBroker}. All optional: by default the config file is found upwards from the root. */
export interface CredentialBrokerPluginOptions {
  /**
   * Path of the credential-broker config file, relative to the Vitest root.
   * @default the first `credential-broker.config.{ts,mts,js,mjs,json,…}` found upwards from the Vitest root
   */
  readonly configFile?: string;
  /**
   * The config inline, instead of a file. It holds references only, so it is safe in `vitest.config.ts`; it stays
   * in the main process and never reaches the workers' serialised config.
   * @example { credentials: { DATABASE_URL: 'vault:secret/db#url' } }
   */
  readonly config?: BrokerConfigInput;
  /**
   * Let network-backed credentials resolve (prints the manifest first). Overrides the config's `egress.enabled`.
   * `CREDENTIAL_BROKER_EGRESS=1` in the environment turns it on as well.
   * @default the config's `egress.enabled`, which defaults to false
   */
  readonly egress?: boolean;
  /**
   * Print the manifest (egress on) or the one-line egress summary (egress off) when a run starts.
   * @default true
   */
  readonly announce?: boolean;
}

const KNOWN: Record<keyof CredentialBrokerPluginOptions, 'string' | 'object' | 'boolean'> = {
  configFile: 'string',
  config: 'object',
  egress: 'boolean',
  announce: 'boolean',
};

/** @internal Checks the plugin options at config time; one error names every bad option by path. */
export function validatePluginOptions(options: unknown): CredentialBrokerPluginOptions {
  if (options === undefined) {
    return {};
  }
  const problems: string[] = [];
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    problems.push('options: expected an object');
  } else {
    for (const [key, value] of Object.entries(options)) {
      const expected = KNOWN[key as keyof CredentialBrokerPluginOptions];
      if (expected === undefined) {
        problems.push(`options.${key}: unknown option (known: ${Object.keys(KNOWN).join(', ')})`);
      } else if (value !== undefined && !isOfType(value, expected)) {
        problems.push(`options.${key}: expected ${expected === 'object' ? 'a config object' : `a ${expected}`}`);
      }
    }
    if ('configFile' in options && 'config' in options) {
      problems.push('options: give either configFile or config, not both');
    }
  }
  if (problems.length > 0) {
    throw new BrokerError('CONFIG_INVALID', problems.join('; '), {
      backend: 'vitest',
      operation: 'credentialBroker()',
    });
  }
  return options as CredentialBrokerPluginOptions;
}

function isOfType(value: unknown, expected: 'string' | 'object' | 'boolean'): boolean {
  if (expected === 'object') {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
  return typeof value === expected;
}
