import type { Backend } from '../../contract/backend.js';
import { BrokerError } from '../../errors.js';

/**
 * `vault-token:` outside a test (`credential-broker run`, `check`): refused with the reason. A child token is
 * created for one test and revoked when it ends; nothing outside a test can hold one that briefly.
 */
export function createVaultTokenBackend(): Backend<'vault-token'> {
  return {
    scheme: 'vault-token',
    fetch(ref) {
      return Promise.reject(
        new BrokerError('CONFIG_INVALID', 'vault-token: refs are minted per test and revoked when the test ends', {
          backend: 'vault-token',
          operation: 'fetch',
          ref: `vault-token:${ref.role}`,
          hint: 'Declare it for a test (docblock or credentials()); outside tests, use `vault token create` yourself',
        })
      );
    },
  };
}
