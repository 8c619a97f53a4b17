import * as z from 'zod/mini';
import { badgeLabelSchema, httpUrlSchema } from '../labels.js';

/** @public `backends['azure-kv']`. */
export const azureKvSettingsSchema = z.strictObject({
  /** Which Azure cloud the vault names live in. @default 'public' */
  cloud: z.optional(z.enum(['public', 'china', 'usgov'])),
  /** Custom endpoint replacing `https://<vault>.vault.azure.net` (private endpoints, local servers). */
  endpoint: z.optional(httpUrlSchema),
  /** How to get Entra credentials; detailed by the identity backends (federated assertions). */
  auth: z.optional(z.looseObject({ method: z.string().check(z.minLength(1)) })),
  label: z.optional(badgeLabelSchema),
});
