/**
 * The AWS SDKs' environment, as a minted credential hands it to one test: its own variables, and every competing
 * source of the default chain hidden (set to an empty string, which the SDKs read as unset, or pointed at empty
 * files), so the chain cannot pick a profile, a web-identity file or long-lived keys before the minted credential.
 */

/** @public The variables the SDKs' default chain reads credentials from, besides the two the delivery sets. */
const COMPETING = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_CREDENTIAL_EXPIRATION',
] as const;

/** @public Paths of an empty config and credentials file (inside the run's private scratch root). */
export interface EmptyAwsFiles {
  readonly config: string;
  readonly credentials: string;
}

/** @public Static session credentials for `as: 'env'`. */
export function awsEnvVars(
  creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string },
  empty: EmptyAwsFiles
): Record<string, string> {
  return {
    ...hidden(empty),
    AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
    AWS_CONTAINER_AUTHORIZATION_TOKEN: '',
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_SESSION_TOKEN: creds.sessionToken,
  };
}

/** @public The container-credentials endpoint for `as: 'endpoint'`; env keys are hidden, they come first. */
export function awsEndpointVars(
  endpoint: { url: string; token: string },
  empty: EmptyAwsFiles
): Record<string, string> {
  return {
    ...hidden(empty),
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SESSION_TOKEN: '',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint.url,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: endpoint.token,
  };
}

function hidden(empty: EmptyAwsFiles): Record<string, string> {
  return {
    ...Object.fromEntries(COMPETING.map((name) => [name, ''])),
    AWS_CONFIG_FILE: empty.config,
    AWS_SHARED_CREDENTIALS_FILE: empty.credentials,
  };
}
