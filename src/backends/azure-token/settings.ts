import * as z from 'zod/mini';
import { tokenSourceSchema } from '../../login/token-source.js';
import { badgeLabelSchema, caFileSchema } from '../labels.js';

/**
 * @public `backends['azure-token']`: the identity that mints `azure-token:<client-id>` access tokens for tests — an
 * OIDC token presented to Entra ID as the client assertion of the ref's application (federated credential), defined
 * once for every application the tests use. No client secret anywhere.
 */
export const azureTokenSettingsSchema = z.strictObject({
  /** The Entra tenant (directory) id of the applications. */
  tenantId: z.string().check(z.minLength(1)),
  /** Where the OIDC token comes from ('github', 'kubernetes', { file } or { env }); audience `api://AzureADTokenExchange`. */
  token: tokenSourceSchema,
  /** Which Azure cloud's Entra host to use. @default 'public' */
  cloud: z.optional(z.enum(['public', 'china', 'usgov'])),
  /** Entra's host, https only (a local fake). @default $AZURE_AUTHORITY_HOST, else the cloud's */
  authorityHost: z.optional(z.url({ protocol: /^https$/, error: 'expected an https URL' })),
  /** PEM file of a CA to trust besides the public roots (a local fake of Entra); relative to the config. */
  caFile: z.optional(caFileSchema),
  label: z.optional(badgeLabelSchema),
});

/** @public */
export type AzureTokenSettings = z.output<typeof azureTokenSettingsSchema>;
