import { gcpTokenImpersonationUrl } from '../backends/gcp-token/settings.js';
import type { BrokerConfig } from '../config/schema.js';
import { ENV_AWS_ROLE_ARN, ENV_AWS_WEB_IDENTITY_TOKEN_FILE } from '../login/aws-sts.js';
import { AZURE_AUTHORITY_HOSTS, azureWorkloadIdentity } from '../login/azure-wi.js';
import { GCP_STS_TOKEN_URL, gcpImpersonationUrl } from '../login/gcp-wif.js';
import { describeTokenSource, GITHUB_TOKEN_URL_ENV, type TokenSource } from '../login/token-source.js';
import type { Scheme } from '../ref/types.js';
import { azureTokenUrl } from './azure-token.js';
import {
  ENV_AWS_DEFAULT_REGION,
  ENV_AWS_REGION,
  ENV_VAULT_ADDR,
  stsEndpointOf,
  VAULT_DEFAULT_ADDRESS,
} from './endpoint.js';

/** @public How a network backend logs in, and every place that login sends a token to. */
export interface IdentityPlan {
  readonly backend: Scheme;
  /** What authenticates, e.g. `web-identity, role arn:aws:iam::123456789012:role/ci`. */
  readonly method: string;
  /** Where the OIDC token comes from, when one is exchanged. */
  readonly token?: string;
  /** The token service (GitHub's) and the exchange (STS, Entra, Vault's login) the login contacts, in order. */
  readonly endpoints: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * @public The logins a run with these backends would perform, computed without I/O from the same settings and
 * environment the backends use, so that the manifest lists the token exchanges beside the secret endpoints. Only
 * network schemes appear; the order follows `schemes`.
 */
export function identityPlans(schemes: Iterable<Scheme>, backends: BrokerConfig['backends'], env: Env): IdentityPlan[] {
  const plans: IdentityPlan[] = [];
  for (const scheme of new Set(schemes)) {
    const plan = planOf(scheme, backends, env);
    if (plan !== undefined) {
      plans.push(plan);
    }
  }
  return plans;
}

function planOf(scheme: Scheme, backends: BrokerConfig['backends'], env: Env): IdentityPlan | undefined {
  switch (scheme) {
    case 'vault':
    case 'vault-token':
      return vaultPlan(backends?.vault, env);
    case 'aws-sm':
      return awsPlan(backends?.['aws-sm'], env);
    case 'gcp-sm':
      return gcpPlan(backends?.['gcp-sm'], env);
    case 'azure-kv':
      return azurePlan(backends?.['azure-kv'], env);
    case 'aws-sts': {
      const settings = backends?.['aws-sts'];
      if (settings === undefined) {
        return undefined;
      }
      return withToken('aws-sts', 'web-identity (mints per test)', settings.token, env, [
        stsEndpointOf(settings, env).url,
      ]);
    }
    case 'gcp-token': {
      const settings = backends?.['gcp-token'];
      if (settings === undefined) {
        return undefined;
      }
      return withToken(
        'gcp-token',
        'workload identity federation, then impersonation (mints per test)',
        settings.token,
        env,
        [settings.tokenUrl ?? GCP_STS_TOKEN_URL, gcpTokenImpersonationUrl(settings, '<service-account>')]
      );
    }
    case 'azure-token': {
      const settings = backends?.['azure-token'];
      // One token URL per tenant: the application is the ref's, the tenant and host the identity's.
      return settings === undefined
        ? undefined
        : withToken('azure-token', 'federated client assertion (mints per test)', settings.token, env, [
            azureTokenUrl(settings, '', env),
          ]);
    }
    default:
      return undefined;
  }
}

function vaultPlan(settings: NonNullable<BrokerConfig['backends']>['vault'], env: Env): IdentityPlan {
  const address = (settings?.address ?? env[ENV_VAULT_ADDR] ?? VAULT_DEFAULT_ADDRESS).replace(/\/+$/, '');
  const auth = settings?.auth;
  if (auth === undefined || auth.method === 'token') {
    const from = auth?.env === undefined ? '$VAULT_TOKEN or ~/.vault-token' : `$${auth.env}`;
    return { backend: 'vault', method: `token from ${from}`, endpoints: [] };
  }
  const login = `${address}/v1/auth/${auth.mount ?? auth.method}/login`;
  if (auth.method === 'approle') {
    return { backend: 'vault', method: 'approle login', endpoints: [login] };
  }
  if (auth.method === 'kubernetes') {
    return withToken('vault', `kubernetes login, role ${auth.role}`, auth.token ?? 'kubernetes', env, [login]);
  }
  return withToken('vault', `jwt login, role ${auth.role}`, auth.token, env, [login]);
}

function awsPlan(settings: NonNullable<BrokerConfig['backends']>['aws-sm'], env: Env): IdentityPlan {
  const auth = settings?.auth;
  const region = settings?.region ?? env[ENV_AWS_REGION] ?? env[ENV_AWS_DEFAULT_REGION];
  const sts = (stsRegion: string | undefined, endpoint: string | undefined) => {
    const name = stsRegion ?? region ?? 'us-east-1';
    return endpoint ?? `https://sts.${name}.${name.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
  };
  if (auth?.method === 'web-identity') {
    return withToken('aws-sm', `web-identity, role ${auth.roleArn}`, auth.token, env, [
      sts(auth.stsRegion, auth.stsEndpoint),
    ]);
  }
  const roleArn = env[ENV_AWS_ROLE_ARN];
  const tokenFile = env[ENV_AWS_WEB_IDENTITY_TOKEN_FILE];
  if (auth === undefined && roleArn && tokenFile) {
    return withToken('aws-sm', `web-identity, role ${roleArn} (from $${ENV_AWS_ROLE_ARN})`, { file: tokenFile }, env, [
      sts(undefined, undefined),
    ]);
  }
  return {
    backend: 'aws-sm',
    method: 'the AWS SDK default credential chain (env keys, profile, SSO, instance metadata)',
    endpoints: [],
  };
}

function gcpPlan(settings: NonNullable<BrokerConfig['backends']>['gcp-sm'], env: Env): IdentityPlan {
  const auth = settings?.auth;
  if (auth?.method !== 'workload-identity') {
    return {
      backend: 'gcp-sm',
      method: 'Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, metadata server)',
      endpoints: [],
    };
  }
  const impersonation =
    auth.serviceAccount === undefined ? [] : [auth.impersonationUrl ?? gcpImpersonationUrl(auth.serviceAccount)];
  const method = `workload identity federation${auth.serviceAccount === undefined ? '' : `, as ${auth.serviceAccount}`}`;
  return withToken('gcp-sm', method, auth.token, env, [auth.tokenUrl ?? GCP_STS_TOKEN_URL, ...impersonation]);
}

function azurePlan(settings: NonNullable<BrokerConfig['backends']>['azure-kv'], env: Env): IdentityPlan {
  const auth = settings?.auth;
  const defaultHost = AZURE_AUTHORITY_HOSTS[settings?.cloud ?? 'public'];
  const identity = azureWorkloadIdentity(auth, env, defaultHost);
  if (identity === undefined) {
    return {
      backend: 'azure-kv',
      method: 'DefaultAzureCredential (env, workload identity, managed identity, Azure CLI)',
      endpoints: [],
    };
  }
  const tokenUrl = `${identity.authorityHost.replace(/\/+$/, '')}/${identity.tenantId}/oauth2/v2.0/token`;
  return withToken('azure-kv', `workload identity, client ${identity.clientId}`, identity.token, env, [tokenUrl]);
}

// A GitHub token is fetched from the runner's token service first: one more place the login contacts.
function withToken(
  backend: Scheme,
  method: string,
  token: TokenSource,
  env: Env,
  exchange: readonly string[]
): IdentityPlan {
  const service = token === 'github' ? [githubTokenService(env)] : [];
  return { backend, method, token: describeTokenSource(token), endpoints: [...service, ...exchange] };
}

function githubTokenService(env: Env): string {
  const url = env[GITHUB_TOKEN_URL_ENV];
  try {
    return url === undefined ? 'https://token.actions.githubusercontent.com' : new URL(url).origin;
  } catch {
    return 'https://token.actions.githubusercontent.com';
  }
}
