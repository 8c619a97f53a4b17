import { z } from 'zod';
import { badgeLabelSchema, httpUrlSchema } from '../labels.js';

/** @public `backends['aws-sm']`. */
export const awsSmSettingsSchema = z.strictObject({
  /** @default the ARN's region, else $AWS_REGION / $AWS_DEFAULT_REGION */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as eu-west-1')
    .optional(),
  /** Custom endpoint (VPC endpoint, LocalStack-like servers). */
  endpoint: httpUrlSchema.optional(),
  /** How to get AWS credentials; detailed by the identity backends (web identity, profile, env). */
  auth: z.looseObject({ method: z.string().min(1) }).optional(),
  label: badgeLabelSchema.optional(),
});
