import * as z from 'zod/mini';
import { tokenSourceSchema } from '../../login/token-source.js';
import { badgeLabelSchema, caFileSchema, httpUrlSchema, sdkDefaultAuthSchema } from '../labels.js';

// //iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>
const WIF_AUDIENCE_RE =
  /^\/\/iam\.googleapis\.com\/projects\/[0-9]+\/locations\/[a-z0-9-]+\/workloadIdentityPools\/[a-z0-9-]+\/providers\/[a-z0-9-]+$/;

/**
 * @public Workload identity federation: an OIDC token from `token` is exchanged at Google's STS for a federated
 * access token, optionally turned into a service account's token (impersonation).
 */
export const gcpWorkloadIdentitySchema = z.strictObject({
  method: z.literal('workload-identity'),
  /** The provider's full resource name, as in the credential configuration `gcloud` writes. */
  audience: z
    .string()
    .check(
      z.regex(
        WIF_AUDIENCE_RE,
        'expected //iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>'
      )
    ),
  /** Where the OIDC token comes from. */
  token: tokenSourceSchema,
  /** Service account to impersonate with the federated token. @default none: the federated token is used as is */
  serviceAccount: z.optional(z.email()),
  /** STS token endpoint. @default https://sts.googleapis.com/v1/token */
  tokenUrl: z.optional(httpUrlSchema),
  /**
   * IAM Credentials `generateAccessToken` URL for `serviceAccount`.
   * @default https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/<serviceAccount>:generateAccessToken
   */
  impersonationUrl: z.optional(httpUrlSchema),
});

/** @public Application Default Credentials, found by google-auth-library the way `gcloud` tools find them. */
export const gcpDefaultAuthSchema = sdkDefaultAuthSchema;

/** @public `backends['gcp-sm']`. */
export const gcpSmSettingsSchema = z.strictObject({
  /** Custom endpoint (regional, private service connect, a local fake); https only. @default https://secretmanager.googleapis.com */
  endpoint: z.optional(httpUrlSchema),
  /** How to get Google credentials. @default { method: 'default' } */
  auth: z.optional(z.discriminatedUnion('method', [gcpWorkloadIdentitySchema, gcpDefaultAuthSchema])),
  /** PEM file of the CA that signs the endpoint's certificate (private CA); relative to the config. @default the public roots */
  caFile: z.optional(caFileSchema),
  label: z.optional(badgeLabelSchema),
});

/** @public */
export type GcpSmSettings = z.infer<typeof gcpSmSettingsSchema>;
/** @public */
export type GcpWorkloadIdentitySettings = z.infer<typeof gcpWorkloadIdentitySchema>;
