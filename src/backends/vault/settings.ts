import { z } from 'zod';
import { badgeLabelSchema, httpUrlSchema } from '../labels.js';

/** @public `backends.vault`. Address and auth live here, never in refs (DESIGN §3). */
export const vaultSettingsSchema = z.strictObject({
  /** Server address. @default $VAULT_ADDR, else https://127.0.0.1:8200 (Vault's own default) */
  address: httpUrlSchema.optional(),
  /** Enterprise/HCP namespace. */
  namespace: z.string().min(1).optional(),
  /** KV engine version of the mounts; `auto` asks the server. @default 'auto' */
  kvVersion: z.union([z.literal(1), z.literal(2), z.literal('auto')]).optional(),
  /** How to log in; detailed by the identity backends (token, JWT/OIDC, AppRole). */
  auth: z.looseObject({ method: z.string().min(1) }).optional(),
  /** Your own claim about where this server runs; flagged if the address says otherwise. */
  label: badgeLabelSchema.optional(),
});
