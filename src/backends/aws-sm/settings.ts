import * as z from 'zod/mini';
import { badgeLabelSchema, httpUrlSchema } from '../labels.js';

/** @public `backends['aws-sm']`. */
export const awsSmSettingsSchema = z.strictObject({
  /** @default the ARN's region, else $AWS_REGION / $AWS_DEFAULT_REGION */
  region: z.optional(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as eu-west-1'))),
  /** Custom endpoint (VPC endpoint, LocalStack-like servers). */
  endpoint: z.optional(httpUrlSchema),
  /** How to get AWS credentials; detailed by the identity backends (web identity, profile, env). */
  auth: z.optional(z.looseObject({ method: z.string().check(z.minLength(1)) })),
  label: z.optional(badgeLabelSchema),
});
