import * as z from 'zod/mini';
import { tokenSourceSchema } from '../../login/token-source.js';
import { gcpWorkloadIdentitySchema } from '../gcp-sm/settings.js';
import { badgeLabelSchema, httpUrlSchema } from '../labels.js';

/**
 * @public `backends['gcp-token']`: the identity that mints `gcp-token:<service-account>` access tokens for tests — an
 * OIDC token source exchanged at Google's STS (workload identity federation), whose federated token then impersonates
 * each service account the tests name. Defined once for every service account.
 */
export const gcpTokenSettingsSchema = z.strictObject({
  /** The workload identity provider's full resource name (`//iam.googleapis.com/projects/<number>/…/providers/<p>`). */
  audience: gcpWorkloadIdentitySchema.shape.audience,
  /** Where the OIDC token comes from: 'github', 'kubernetes', { file } or { env }. */
  token: tokenSourceSchema,
  /** STS token endpoint (a local fake). @default https://sts.googleapis.com/v1/token */
  tokenUrl: z.optional(httpUrlSchema),
  /**
   * Base URL of IAM Credentials (a local fake); `/v1/projects/-/serviceAccounts/<email>:generateAccessToken` is
   * appended. @default https://iamcredentials.googleapis.com
   */
  iamCredentialsUrl: z.optional(httpUrlSchema),
  label: z.optional(badgeLabelSchema),
});

/** @public */
export type GcpTokenSettings = z.output<typeof gcpTokenSettingsSchema>;

/** @public The OAuth scope a `gcp-token:` entry gets when it names none. */
export const GCP_DEFAULT_TOKEN_SCOPES = ['https://www.googleapis.com/auth/cloud-platform'] as const;

const IAM_CREDENTIALS_URL = 'https://iamcredentials.googleapis.com';

/** @public The `generateAccessToken` URL of `serviceAccount` under these settings. */
export function gcpTokenImpersonationUrl(settings: GcpTokenSettings | undefined, serviceAccount: string): string {
  const base = (settings?.iamCredentialsUrl ?? IAM_CREDENTIALS_URL).replace(/\/+$/, '');
  return `${base}/v1/projects/-/serviceAccounts/${encodeURIComponent(serviceAccount)}:generateAccessToken`;
}
