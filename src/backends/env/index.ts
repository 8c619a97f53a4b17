import type { Backend } from '../../contract/backend.js';
import { BrokerError } from '../../errors.js';
import { formatRef } from '../../ref/index.js';
import { SecretValue } from '../../scrub/secret-value.js';

/** @public `env:NAME` — the value of an environment variable of the resolving process. */
export function createEnvBackend(): Backend<'env'> {
  return {
    scheme: 'env',
    async fetch(ref, ctx) {
      const value = ctx.env[ref.name];
      if (value === undefined) {
        throw new BrokerError('NOT_FOUND', `environment variable ${ref.name} is not set`, {
          backend: 'env',
          operation: 'read',
          ref: formatRef(ref),
          hint: `Export ${ref.name} in the environment that starts the test run`,
        });
      }
      return { text: new SecretValue(value, formatRef(ref)) };
    },
  };
}
