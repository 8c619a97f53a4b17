import * as z from 'zod/mini';
import { tokenSourceSchema } from '../../login/token-source.js';
import { badgeLabelSchema, caFileSchema, httpUrlSchema, sdkDefaultAuthSchema } from '../labels.js';

/**
 * @public Federated workload identity: an OIDC token from `token` is the client assertion of an Entra app registration
 * (or user-assigned managed identity) that trusts its issuer and subject — what AKS workload identity and GitHub
 * Actions' `azure/login` use. No secret is stored anywhere.
 */
export const azureWorkloadIdentitySchema = z.strictObject({
  method: z.literal('workload-identity'),
  /** The Entra tenant (directory) id; must be the vault's tenant. */
  tenantId: z.string().check(z.minLength(1)),
  /** The app registration's (or managed identity's) client id. */
  clientId: z.string().check(z.minLength(1)),
  /** Where the OIDC token comes from; its audience must be `api://AzureADTokenExchange`. */
  token: tokenSourceSchema,
  /** Entra's host, https only. @default $AZURE_AUTHORITY_HOST, else the cloud's (https://login.microsoftonline.com) */
  authorityHost: z.optional(z.url({ protocol: /^https$/, error: 'expected an https URL' })),
});

/** @public `DefaultAzureCredential`: environment, workload identity, managed identity, Azure CLI… as the SDK orders them. */
export const azureDefaultAuthSchema = sdkDefaultAuthSchema;

/** @public `backends['azure-kv']`. */
export const azureKvSettingsSchema = z.strictObject({
  /** Which Azure cloud the vault names live in. @default 'public' */
  cloud: z.optional(z.enum(['public', 'china', 'usgov'])),
  /**
   * Custom endpoint replacing `https://<vault>.vault.azure.net` for every vault name (a private endpoint, a local
   * server). On a Key Vault host the challenge's resource is still checked against it; on any other it cannot be.
   */
  endpoint: z.optional(httpUrlSchema),
  /**
   * How to get Entra credentials. @default workload identity from AZURE_TENANT_ID, AZURE_CLIENT_ID and
   * AZURE_FEDERATED_TOKEN_FILE when all three are set (AKS), else `{ method: 'default' }`
   */
  auth: z.optional(z.discriminatedUnion('method', [azureWorkloadIdentitySchema, azureDefaultAuthSchema])),
  /** PEM file of a CA to trust besides the public roots (private CA, a local fake); relative to the config. */
  caFile: z.optional(caFileSchema),
  label: z.optional(badgeLabelSchema),
});

/** @public */
export type AzureKvSettings = z.infer<typeof azureKvSettingsSchema>;
/** @public */
export type AzureWorkloadIdentitySettings = z.infer<typeof azureWorkloadIdentitySchema>;
