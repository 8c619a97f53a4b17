import * as z from 'zod/mini';
import { tokenSourceSchema } from '../../login/token-source.js';
import { badgeLabelSchema, httpUrlSchema } from '../labels.js';

const envName = z
  .string()
  .check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name like VAULT_TOKEN'));
const authMount = z
  .string()
  .check(
    z.regex(
      /^(?!(?:.*\/)?\.{1,2}(?:\/|$))[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/,
      'expected an auth mount path such as "jwt" or "ci/jwt"'
    )
  );
const nonEmpty = z.string().check(z.minLength(1));

/**
 * @public `backends.vault.auth`: how the broker gets a Vault token.
 * - `token`: a token you already hold: the env var `env`, else `$VAULT_TOKEN`, else `~/.vault-token` (as the CLI).
 *   Never revoked: it is yours.
 * - `jwt`: logs in at `auth/<mount>/login` with an OIDC token from `token` (GitHub Actions, Kubernetes, a file, an
 *   env var). The Vault token is cached until it ages, then minted again, and revoked when the run ends.
 * - `kubernetes`: logs in at `auth/<mount>/login` with the pod's service-account token (or `token`). Cached and
 *   revoked like `jwt`.
 * - `approle`: logs in at `auth/<mount>/login` with a role id and secret id read from env vars. Cached and revoked
 *   like `jwt`.
 */
export const vaultAuthSchema = z.discriminatedUnion(
  'method',
  [
    z.strictObject({
      method: z.literal('token'),
      /** Env var holding the token. @default VAULT_TOKEN, then ~/.vault-token */
      env: z.optional(envName),
    }),
    z.strictObject({
      method: z.literal('jwt'),
      /** The JWT auth role to log in as. */
      role: nonEmpty,
      /** Where the OIDC token comes from. */
      token: tokenSourceSchema,
      /** Path the JWT auth method is mounted at. @default 'jwt' */
      mount: z.optional(authMount),
      /** Audience asked of GitHub Actions' token service (match the role's `bound_audiences`). @default 'vault' */
      audience: z.optional(nonEmpty),
    }),
    z.strictObject({
      method: z.literal('kubernetes'),
      /** The Kubernetes auth role to log in as. */
      role: nonEmpty,
      /** Where the service-account JWT comes from. @default 'kubernetes' (the pod's token file) */
      token: z.optional(tokenSourceSchema),
      /** Path the Kubernetes auth method is mounted at. @default 'kubernetes' */
      mount: z.optional(authMount),
    }),
    z.strictObject({
      method: z.literal('approle'),
      /** Env var holding the role id. */
      roleIdEnv: envName,
      /** Env var holding the secret id. */
      secretIdEnv: envName,
      /** Path the AppRole auth method is mounted at. @default 'approle' */
      mount: z.optional(authMount),
    }),
  ],
  { error: 'expected method "token", "jwt", "kubernetes" or "approle"' }
);

/** @public */
export type VaultAuth = z.infer<typeof vaultAuthSchema>;

/** @public `backends.vault`. Address and auth live here, never in refs (DESIGN §3). */
export const vaultSettingsSchema = z.strictObject({
  /** Server address. @default $VAULT_ADDR, else https://127.0.0.1:8200 (Vault's own default) */
  address: z.optional(httpUrlSchema),
  /** Enterprise/HCP namespace, sent as `X-Vault-Namespace`. @default $VAULT_NAMESPACE */
  namespace: z.optional(z.string().check(z.minLength(1))),
  /** KV engine version of the mounts; `auto` asks the server per mount, as `vault kv get` does. @default 'auto' */
  kvVersion: z.optional(z.union([z.literal(1), z.literal(2), z.literal('auto')])),
  /** How to log in. @default { method: 'token' } */
  auth: z.optional(vaultAuthSchema),
  /** PEM file of the CA that signed the server's certificate (self-hosted Vault), relative to the config dir. */
  caFile: z.optional(nonEmpty),
  /** Your own claim about where this server runs; flagged if the address says otherwise. */
  label: z.optional(badgeLabelSchema),
});

/** @public */
export type VaultSettings = z.infer<typeof vaultSettingsSchema>;
