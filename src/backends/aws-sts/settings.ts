import * as z from 'zod/mini';
import { tokenSourceSchema } from '../../login/token-source.js';
import { badgeLabelSchema, httpUrlSchema } from '../labels.js';

const regionSchema = z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as eu-west-1'));

/**
 * @public `backends['aws-sts']`: the identity that mints `aws-sts:<role-arn>` credentials for tests — an OIDC token
 * source exchanged with STS AssumeRoleWithWebIdentity, defined once for every role the tests assume.
 */
export const awsStsSettingsSchema = z.strictObject({
  /** Where the OIDC token comes from: 'github', 'kubernetes', { file } or { env }. */
  token: tokenSourceSchema,
  /** The audience asked for when the token source is 'github'. @default 'sts.amazonaws.com' */
  audience: z.optional(z.string().check(z.minLength(1))),
  /** RoleSessionName, shown in CloudTrail. @default 'credential-broker-<pid>' */
  sessionName: z.optional(
    z.string().check(z.regex(/^[\w+=,.@-]{2,64}$/, 'expected 2–64 of letters, digits and _+=,.@-'))
  ),
  /** Region of the STS endpoint. @default $AWS_REGION, else us-east-1 */
  stsRegion: z.optional(regionSchema),
  /** Custom STS endpoint (VPC endpoint, a local fake). @default AWS's regional STS endpoint */
  stsEndpoint: z.optional(httpUrlSchema),
  label: z.optional(badgeLabelSchema),
});

/** @public */
export type AwsStsSettings = z.output<typeof awsStsSettingsSchema>;
