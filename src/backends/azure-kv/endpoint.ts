import type { Endpoint } from '../../contract/backend.js';
import type { AzureKvRef } from '../../ref/types.js';
import { urlEndpoint } from '../../sdk/url-endpoint.js';
import type { AzureKvSettings } from './settings.js';

const AZURE_SUFFIX = { public: 'vault.azure.net', china: 'vault.azure.cn', usgov: 'vault.usgovcloudapi.net' } as const;

/** Where an `azure-kv:` request goes: the custom endpoint, else the vault's URL in the settings' cloud. */
export function azureKvEndpoint(
  ref: Pick<AzureKvRef, 'vault'>,
  settings: Pick<AzureKvSettings, 'endpoint' | 'cloud'> | undefined
): Endpoint {
  if (settings?.endpoint !== undefined) {
    return urlEndpoint(settings.endpoint, true);
  }
  return urlEndpoint(`https://${ref.vault}.${AZURE_SUFFIX[settings?.cloud ?? 'public']}`, false);
}
