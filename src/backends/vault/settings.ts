import * as z from 'zod/mini';
import { badgeLabelSchema, httpUrlSchema } from '../labels.js';

/** @public `backends.vault`. Address and auth live here, never in refs (DESIGN §3). */
export const vaultSettingsSchema = z.strictObject({
  /** Server address. @default $VAULT_ADDR, else https://127.0.0.1:8200 (Vault's own default) */
  address: z.optional(httpUrlSchema),
  /** Enterprise/HCP namespace. */
  namespace: z.optional(z.string().check(z.minLength(1))),
  /** KV engine version of the mounts; `auto` asks the server. @default 'auto' */
  kvVersion: z.optional(z.union([z.literal(1), z.literal(2), z.literal('auto')])),
  /** How to log in; detailed by the identity backends (token, JWT/OIDC, AppRole). */
  auth: z.optional(z.looseObject({ method: z.string().check(z.minLength(1)) })),
  /** Your own claim about where this server runs; flagged if the address says otherwise. */
  label: z.optional(badgeLabelSchema),
});
