import type { FetchContext } from '../../contract/backend.js';
import { ENV_AWS_DEFAULT_REGION, ENV_AWS_REGION } from '../../egress/endpoint.js';
import type { AwsSmRef } from '../../ref/types.js';
import type { AwsSmSettings } from './settings.js';

/**
 * @internal The region a ref's request goes to: the ARN's, else `settings.region`, else $AWS_REGION, else
 * $AWS_DEFAULT_REGION — the order `endpointOf` uses for the manifest. Undefined: the SDK's own chain decides (a
 * profile's region); the manifest then shows AWS's generic host.
 */
export function regionOf(
  ref: Pick<AwsSmRef, 'region'>,
  settings: Pick<AwsSmSettings, 'region'>,
  env: FetchContext['env']
): string | undefined {
  return ref.region ?? settings.region ?? env[ENV_AWS_REGION] ?? env[ENV_AWS_DEFAULT_REGION];
}
