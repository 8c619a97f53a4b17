import type { Endpoint } from '../../contract/backend.js';
import type { AwsSmRef } from '../../ref/types.js';
import { urlEndpoint } from '../../sdk/url-endpoint.js';
import { regionOf } from './region.js';
import type { AwsSmSettings } from './settings.js';

/** Where an `aws-sm:` request goes: the custom endpoint, else Secrets Manager in the ref's region. */
export function awsSmEndpoint(
  ref: Pick<AwsSmRef, 'region'>,
  settings: Pick<AwsSmSettings, 'endpoint' | 'region'> | undefined,
  env: Readonly<Record<string, string | undefined>>
): Endpoint {
  if (settings?.endpoint !== undefined) {
    return urlEndpoint(settings.endpoint, true);
  }
  const region = regionOf(ref, settings ?? {}, env);
  if (region === undefined) {
    // Unknown until the SDK's own chain runs; the host is AWS's either way.
    return {
      kind: 'url',
      display: 'https://secretsmanager.<region>.amazonaws.com',
      host: 'amazonaws.com',
      custom: false,
    };
  }
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return urlEndpoint(`https://secretsmanager.${region}.${domain}`, false);
}
