import * as z from 'zod/mini';
import { tokenSourceSchema } from '../../login/token-source.js';
import { badgeLabelSchema, httpUrlSchema, sdkDefaultAuthSchema } from '../labels.js';

const regionSchema = z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as eu-west-1'));

// STS caps the plain-text session policy at 2048 characters (whitespace excluded; we count the compact JSON).
const MAX_POLICY_CHARS = 2048;

/**
 * @public `auth: { method: 'web-identity', … }`: STS AssumeRoleWithWebIdentity with an OIDC token, minted by the
 * broker, cached until it ages, optionally scoped down by a session policy (DESIGN §1).
 */
export const awsWebIdentityAuthSchema = z.strictObject({
  method: z.literal('web-identity'),
  /** The role to assume, e.g. `arn:aws:iam::123456789012:role/ci`. */
  roleArn: z
    .string()
    .check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'expected an IAM role ARN')),
  /** Where the OIDC token comes from: 'github', 'kubernetes', { file } or { env }. */
  token: tokenSourceSchema,
  /** RoleSessionName, shown in CloudTrail. @default 'credential-broker-<pid>' */
  sessionName: z.optional(
    z.string().check(z.regex(/^[\w+=,.@-]{2,64}$/, 'expected 2–64 of letters, digits and _+=,.@-'))
  ),
  /** Lifetime of the minted credentials, in seconds (up to the role's MaxSessionDuration). @default 900 */
  durationSeconds: z.optional(z.int().check(z.minimum(900), z.maximum(43_200))),
  /** A session policy (IAM policy JSON as an object) that narrows what the minted credentials may do. */
  policy: z.optional(
    z.record(z.string(), z.unknown()).check(
      z.refine((policy) => JSON.stringify(policy).length <= MAX_POLICY_CHARS, {
        message: `expected a session policy of at most ${MAX_POLICY_CHARS} characters as JSON`,
      })
    )
  ),
  /** The audience asked for when the token source is 'github'. @default 'sts.amazonaws.com' */
  audience: z.optional(z.string().check(z.minLength(1))),
  /** Region of the STS endpoint. @default the backend's region, else us-east-1 */
  stsRegion: z.optional(regionSchema),
  /** Custom STS endpoint (VPC endpoint, a local fake). @default AWS's regional STS endpoint */
  stsEndpoint: z.optional(httpUrlSchema),
});

/** @public `auth: { method: 'default' }`: the AWS SDK's default credential chain (env keys, profile, SSO, IMDS…). */
export const awsDefaultAuthSchema = sdkDefaultAuthSchema;

/** @public `backends['aws-sm']`. */
export const awsSmSettingsSchema = z.strictObject({
  /** @default the ARN's region, else $AWS_REGION / $AWS_DEFAULT_REGION */
  region: z.optional(regionSchema),
  /** Custom endpoint (VPC endpoint, LocalStack-like servers). The only endpoint override honoured. */
  endpoint: z.optional(httpUrlSchema),
  /**
   * How to get AWS credentials. @default web identity from $AWS_ROLE_ARN + $AWS_WEB_IDENTITY_TOKEN_FILE when both
   * are set (EKS IRSA), else the SDK's default chain
   */
  auth: z.optional(
    z.discriminatedUnion('method', [awsWebIdentityAuthSchema, awsDefaultAuthSchema], {
      error: 'expected "web-identity" or "default"',
    })
  ),
  label: z.optional(badgeLabelSchema),
});

/** @public */
export type AwsSmSettings = z.output<typeof awsSmSettingsSchema>;

/** @public */
export type AwsWebIdentityAuth = z.output<typeof awsWebIdentityAuthSchema>;
