import { ENV_AWS_DEFAULT_REGION, ENV_AWS_REGION } from '../aws-sm/region.js';
import type { AwsStsSettings } from './settings.js';

/** @public Where STS lives for `backends['aws-sts']`, as the manifest and the minter use it. */
export function stsEndpointOf(
  settings: AwsStsSettings | undefined,
  env: Readonly<Record<string, string | undefined>>
): { readonly url: string; readonly custom: boolean; readonly region: string } {
  const region = settings?.stsRegion ?? env[ENV_AWS_REGION] ?? env[ENV_AWS_DEFAULT_REGION] ?? 'us-east-1';
  if (settings?.stsEndpoint !== undefined) {
    return { url: settings.stsEndpoint, custom: true, region };
  }
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return { url: `https://sts.${region}.${domain}`, custom: false, region };
}
