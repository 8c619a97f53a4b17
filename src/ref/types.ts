/**
 * The typed form of a secret reference (DESIGN §3):
 * `scheme:locator[#key][?param=value&…]`, `scheme://locator…` meaning the same.
 */

/** @public Every scheme the grammar knows. */
export const SCHEMES = [
  'vault',
  'aws-sm',
  'gcp-sm',
  'azure-kv',
  'sops',
  'age',
  'env',
  'file',
  'aws-sts',
  'vault-token',
  'gcp-token',
  'azure-token',
] as const;

/** @public Schemes whose refs name a credential the broker mints per test rather than a stored secret. */
export const MINTED_SCHEMES = ['aws-sts', 'vault-token', 'gcp-token', 'azure-token'] as const;

/** @public */
export type MintedScheme = (typeof MINTED_SCHEMES)[number];

/** @public */
export type Scheme = (typeof SCHEMES)[number];

/**
 * @public Which part of a fetched document a ref selects. `field` is a top-level name (`#url`);
 * `pointer` is an RFC 6901 JSON Pointer (`#/db/url`), already unescaped into its tokens.
 */
export type KeySelector =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'pointer'; readonly tokens: readonly string[] };

interface RefBase {
  /** The input exactly as written. */
  readonly raw: string;
  readonly key?: KeySelector;
}

/** @public `vault:mount/path[#key][?version=N]` — KV v1/v2 or a dynamic secrets path. */
export interface VaultRef extends RefBase {
  readonly scheme: 'vault';
  /** First path segment, e.g. `secret`. */
  readonly mount: string;
  /** The rest after the mount, e.g. `db` or `team/app`. Never empty. */
  readonly path: string;
  /** KV v2 version. */
  readonly version?: number;
}

/** @public `aws-sm://name-or-arn[#key][?version-id=…|version-stage=…]`. */
export interface AwsSmRef extends RefBase {
  readonly scheme: 'aws-sm';
  /** Secret name or full ARN, as written. */
  readonly id: string;
  /** Region taken from the ARN, when the id is an ARN. */
  readonly region?: string;
  readonly versionId?: string;
  readonly versionStage?: string;
}

/** @public `gcp-sm://project/secret[#key][?version=N|latest]` or the full resource name. */
export interface GcpSmRef extends RefBase {
  readonly scheme: 'gcp-sm';
  readonly project: string;
  readonly secret: string;
  /** `latest` unless given. */
  readonly version: string;
}

/** @public `azure-kv://vault-name/secret-name[#key][?version=…]`. */
export interface AzureKvRef extends RefBase {
  readonly scheme: 'azure-kv';
  readonly vault: string;
  readonly name: string;
  readonly version?: string;
}

/** @public `sops:path/to/file.enc.yaml[#key][?format=yaml|json|dotenv|ini|binary]`, path relative to the config. */
export interface SopsRef extends RefBase {
  readonly scheme: 'sops';
  readonly path: string;
  readonly format?: SopsFormat;
}

/** @public */
export type SopsFormat = 'yaml' | 'json' | 'dotenv' | 'ini' | 'binary';

/** @public `age:path/to/file.age[#key]`, path relative to the config. */
export interface AgeRef extends RefBase {
  readonly scheme: 'age';
  readonly path: string;
}

/** @public `env:NAME[#key]` — pass-through of an environment variable of the broker's process. */
export interface EnvRef extends RefBase {
  readonly scheme: 'env';
  readonly name: string;
}

/** @public `file:path[#key]` — pass-through of a plain file, relative to the config. */
export interface FileRef extends RefBase {
  readonly scheme: 'file';
  readonly path: string;
}

/**
 * @public `aws-sts:arn:aws:iam::<account>:role/<name>`: session credentials for that role, minted per test with STS
 * AssumeRoleWithWebIdentity by the identity of `backends['aws-sts']`.
 */
export interface AwsStsRef extends RefBase {
  readonly scheme: 'aws-sts';
  readonly roleArn: string;
}

/**
 * @public `vault-token:<role>`: a child token of the Vault identity (`backends.vault`), created per test with
 * `auth/token/create/<role>` and revoked when the test ends.
 */
export interface VaultTokenRef extends RefBase {
  readonly scheme: 'vault-token';
  readonly role: string;
}

/**
 * @public `gcp-token:<service-account-email>`: an OAuth access token of that service account, minted per test by the
 * identity of `backends['gcp-token']` (workload identity federation, then impersonation of the service account).
 */
export interface GcpTokenRef extends RefBase {
  readonly scheme: 'gcp-token';
  readonly serviceAccount: string;
}

/**
 * @public `azure-token:<client-id>`: an Entra access token for that application (a GUID), minted per test with a
 * federated client assertion by the identity of `backends['azure-token']`, for the entry's `scope`.
 */
export interface AzureTokenRef extends RefBase {
  readonly scheme: 'azure-token';
  /** The application (client) id, lower-cased. */
  readonly clientId: string;
}

/** @public */
export type SecretRef =
  | VaultRef
  | AwsSmRef
  | GcpSmRef
  | AzureKvRef
  | SopsRef
  | AgeRef
  | EnvRef
  | FileRef
  | AwsStsRef
  | VaultTokenRef
  | GcpTokenRef
  | AzureTokenRef;

/** @public A ref that names a minted credential. */
export type MintedRef = Extract<SecretRef, { scheme: MintedScheme }>;

/** @public Whether a ref names a minted credential. */
export function isMintedRef(ref: SecretRef): ref is MintedRef {
  return (MINTED_SCHEMES as readonly string[]).includes(ref.scheme);
}

/** @public Narrow a ref by scheme. */
export type RefOf<S extends Scheme> = Extract<SecretRef, { scheme: S }>;
