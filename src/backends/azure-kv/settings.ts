import { z } from 'zod';
import { badgeLabelSchema, httpUrlSchema } from '../labels.js';

/** @public `backends['azure-kv']`. */
export const azureKvSettingsSchema = z.strictObject({
  /** Which Azure cloud the vault names live in. @default 'public' */
  cloud: z.enum(['public', 'china', 'usgov']).optional(),
  /** Custom endpoint replacing `https://<vault>.vault.azure.net` (private endpoints, local servers). */
  endpoint: httpUrlSchema.optional(),
  /** How to get Entra credentials; detailed by the identity backends (federated assertions). */
  auth: z.looseObject({ method: z.string().min(1) }).optional(),
  label: badgeLabelSchema.optional(),
});
