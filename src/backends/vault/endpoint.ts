import type { Endpoint } from '../../contract/backend.js';
import { urlEndpoint } from '../../sdk/url-endpoint.js';
import type { VaultSettings } from './settings.js';

/** @public The env var the Vault CLI and node-vault read the address from. */
export const ENV_VAULT_ADDR = 'VAULT_ADDR';

/** @public Vault's own default address (the CLI's), when neither the settings nor $VAULT_ADDR give one. */
export const VAULT_DEFAULT_ADDRESS = 'https://127.0.0.1:8200';

/** Where a `vault:` request goes: the settings' address, else $VAULT_ADDR, else Vault's default. */
export function vaultEndpoint(
  settings: Pick<VaultSettings, 'address'> | undefined,
  env: Readonly<Record<string, string | undefined>>
): Endpoint {
  const configured = settings?.address ?? env[ENV_VAULT_ADDR];
  return urlEndpoint(configured ?? VAULT_DEFAULT_ADDRESS, configured !== undefined);
}
