import * as z from 'zod/mini';
import { badgeLabelSchema, httpUrlSchema } from '../labels.js';

/** @public `backends['gcp-sm']`. */
export const gcpSmSettingsSchema = z.strictObject({
  /** Custom endpoint (regional or private service connect). @default https://secretmanager.googleapis.com */
  endpoint: z.optional(httpUrlSchema),
  /** How to get Google credentials; detailed by the identity backends (workload identity federation). */
  auth: z.optional(z.looseObject({ method: z.string().check(z.minLength(1)) })),
  label: z.optional(badgeLabelSchema),
});
