import type { FetchContext } from '../../contract/backend.js';
import type { AwsSmRef } from '../../ref/types.js';
import type { AwsSmSettings } from './settings.js';

/** @public Env vars the AWS SDK reads the region from, in its order. */
export const ENV_AWS_REGION = 'AWS_REGION';
export const ENV_AWS_DEFAULT_REGION = 'AWS_DEFAULT_REGION';

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
