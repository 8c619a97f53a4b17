import type { FetchContext } from '../contract/backend.js';
import { BrokerError, isBrokerError } from '../errors.js';
import { SecretValue } from '../scrub/secret-value.js';
import type { Minted } from './mint-cache.js';
import { readOidcToken, type TokenSource } from './token-source.js';

/** @public Google's STS token endpoint, where federated tokens are minted. */
export const GCP_STS_TOKEN_URL = 'https://sts.googleapis.com/v1/token';
/** @public The scope Secret Manager needs. */
export const GCP_CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/** @public What workload identity federation needs, as in the `external_account` config `gcloud` writes. */
export interface GcpWifConfig {
  /** `//iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`. */
  readonly audience: string;
  readonly token: TokenSource;
  /** Service account to impersonate with the federated token. */
  readonly serviceAccount?: string;
  /** @default {@link GCP_STS_TOKEN_URL} */
  readonly tokenUrl?: string;
  /** @default IAM Credentials' `generateAccessToken` URL of `serviceAccount` */
  readonly impersonationUrl?: string;
  /** OAuth scopes of the token. @default [{@link GCP_CLOUD_PLATFORM_SCOPE}] */
  readonly scopes?: readonly string[];
}

/**
 * @internal The part of google-auth-library used to mint: its `external_account` identity-pool client, given a
 * subject-token supplier so that our token sources (GitHub, Kubernetes, file, env) feed it.
 */
export interface GcpAuthLibrary {
  readonly IdentityPoolClient: new (
    options: Record<string, unknown>
  ) => {
    getAccessToken(): Promise<{ token?: string | null }>;
    credentials: { expiry_date?: number | null };
  };
}

/** @public The URL impersonating `serviceAccount` posts to. */
export function gcpImpersonationUrl(serviceAccount: string): string {
  return `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${encodeURIComponent(serviceAccount)}:generateAccessToken`;
}

/**
 * @public Mints a Google access token by workload identity federation: reads an OIDC token from `config.token`,
 * exchanges it at the STS for a federated token, and, with `serviceAccount`, exchanges that for the service
 * account's token. A fresh library client per mint, so that the broker's cache, not the library's, decides
 * when to mint again. Errors name the step that failed and never carry a token, not even as `cause`.
 */
export async function mintGcpAccessToken(
  library: GcpAuthLibrary,
  config: GcpWifConfig,
  ctx: Pick<FetchContext, 'env' | 'baseDir' | 'signal'>,
  backend = 'gcp-sm'
): Promise<Minted<SecretValue>> {
  const tokenUrl = config.tokenUrl ?? GCP_STS_TOKEN_URL;
  const impersonationUrl =
    config.serviceAccount === undefined
      ? undefined
      : (config.impersonationUrl ?? gcpImpersonationUrl(config.serviceAccount));
  let client: InstanceType<GcpAuthLibrary['IdentityPoolClient']>;
  try {
    client = new library.IdentityPoolClient({
      type: 'external_account',
      audience: config.audience,
      subject_token_type: JWT_TOKEN_TYPE,
      token_url: tokenUrl,
      scopes: [...(config.scopes ?? [GCP_CLOUD_PLATFORM_SCOPE])],
      universe_domain: 'googleapis.com',
      ...(impersonationUrl === undefined ? {} : { service_account_impersonation_url: impersonationUrl }),
      subject_token_supplier: {
        getSubjectToken: async () =>
          (await readOidcToken(config.token, { backend, audience: config.audience, ctx })).reveal(),
      },
    });
  } catch (error) {
    throw new BrokerError('CONFIG_INVALID', 'google-auth-library refused the workload identity settings', {
      backend,
      operation: 'mint access token',
      hint: `Check ${setting(backend, 'audience')}, ${setting(backend, 'tokenUrl')} and ${setting(backend, 'impersonationUrl')}`,
      cause: error,
    });
  }
  let token: string | null | undefined;
  try {
    ({ token } = await client.getAccessToken());
  } catch (error) {
    throw mintError(error, { backend, tokenUrl, impersonationUrl, serviceAccount: config.serviceAccount });
  }
  if (typeof token !== 'string' || token === '') {
    throw new BrokerError('MINT_FAILED', 'the token exchange answered without an access token', {
      backend,
      operation: 'mint access token',
      hint: `Check that ${new URL(tokenUrl).host} is Google's STS (${setting(backend, 'tokenUrl')})`,
    });
  }
  const expiry = client.credentials.expiry_date;
  return {
    value: new SecretValue(token, `${backend} access token`),
    expiresAt: typeof expiry === 'number' ? new Date(expiry) : undefined,
  };
}

// Where the user sets what a hint names: gcp-sm's `auth` settings, or the identity of `gcp-token:` refs.
function setting(backend: string, name: 'audience' | 'tokenUrl' | 'impersonationUrl' | 'serviceAccount'): string {
  if (backend !== 'gcp-token') {
    return `auth.${name}`;
  }
  const names = { impersonationUrl: 'iamCredentialsUrl', serviceAccount: 'the gcp-token: ref' } as const;
  const field = name === 'impersonationUrl' || name === 'serviceAccount' ? names[name] : name;
  return field.startsWith('the ') ? field : `backends['gcp-token'].${field}`;
}

interface Step {
  readonly backend: string;
  readonly tokenUrl: string;
  readonly impersonationUrl: string | undefined;
  readonly serviceAccount: string | undefined;
}

function mintError(error: unknown, step: Step): BrokerError {
  if (isBrokerError(error)) {
    return error;
  }
  const failed = error as { response?: { status?: number; data?: unknown }; config?: { url?: unknown } };
  const url = String(failed.config?.url ?? '');
  const impersonating = step.impersonationUrl !== undefined && url === step.impersonationUrl;
  const where = impersonating ? 'IAM Credentials' : 'the STS';
  const host = new URL(impersonating ? (step.impersonationUrl ?? step.tokenUrl) : step.tokenUrl).host;
  const meta = { backend: step.backend, operation: 'mint access token' } as const;
  const status = failed.response?.status;
  if (status === undefined) {
    return new BrokerError('UNAVAILABLE', `cannot reach ${where} at ${host}`, {
      ...meta,
      hint: `Check the network path to it, or ${setting(step.backend, 'tokenUrl')} / ${setting(step.backend, 'impersonationUrl')}`,
      transient: true,
      cause: safeCause(error, undefined),
    });
  }
  const cause = safeCause(error, status);
  if (status >= 500 || status === 429) {
    return new BrokerError('MINT_FAILED', `${where} at ${host} answered HTTP ${status}`, {
      ...meta,
      hint: 'A retry may succeed',
      transient: true,
      cause,
    });
  }
  if (impersonating) {
    return new BrokerError('MINT_FAILED', `impersonating ${step.serviceAccount} was refused (HTTP ${status})`, {
      ...meta,
      hint: `Grant the federated principal roles/iam.workloadIdentityUser on ${step.serviceAccount}, and check ${setting(step.backend, 'serviceAccount')}`,
      cause,
    });
  }
  return new BrokerError('MINT_FAILED', `the STS token exchange was refused (HTTP ${status})`, {
    ...meta,
    hint: `Check that ${setting(step.backend, 'audience')} names your workload identity provider and that the provider's attribute condition admits this OIDC token`,
    cause,
  });
}

// The library's errors carry the request (the OIDC token in the form, the federated token in a header): keep
// only the status and the service's error code, which are enums.
function safeCause(error: unknown, status: number | undefined): Error {
  const body = (error as { response?: { data?: { error?: unknown } } }).response?.data?.error;
  // OAuth errors (STS) carry `error: "invalid_grant"`; Google's JSON errors (IAM) `error: { status: "PERMISSION_DENIED" }`.
  const reason = typeof body === 'string' ? body : (body as { status?: unknown } | undefined)?.status;
  const transportCode = (error as { code?: unknown }).code;
  return new Error(
    status === undefined
      ? `request failed (${typeof transportCode === 'string' ? transportCode : 'no response'})`
      : `HTTP ${status}${typeof reason === 'string' ? ` ${reason}` : ''}`
  );
}
