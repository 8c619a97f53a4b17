import { z } from 'zod';
import { badgeLabelSchema, httpUrlSchema } from '../labels.js';

/** @public `backends['gcp-sm']`. */
export const gcpSmSettingsSchema = z.strictObject({
  /** Custom endpoint (regional or private service connect). @default https://secretmanager.googleapis.com */
  endpoint: httpUrlSchema.optional(),
  /** How to get Google credentials; detailed by the identity backends (workload identity federation). */
  auth: z.looseObject({ method: z.string().min(1) }).optional(),
  label: badgeLabelSchema.optional(),
});
