import type { Endpoint } from '../../contract/backend.js';
import { urlEndpoint } from '../../sdk/url-endpoint.js';
import type { GcpSmSettings } from './settings.js';

/** Where a `gcp-sm:` request goes: the custom endpoint, else Secret Manager's global one. */
export function gcpSmEndpoint(settings: Pick<GcpSmSettings, 'endpoint'> | undefined): Endpoint {
  const custom = settings?.endpoint;
  return urlEndpoint(custom ?? 'https://secretmanager.googleapis.com', custom !== undefined);
}
