import type { FetchContext } from '../../contract/backend.js';
import { BrokerError } from '../../errors.js';
import type { Minted } from '../../login/mint-cache.js';
import { describeTokenSource, readOidcToken } from '../../login/token-source.js';
import { SecretValue } from '../../scrub/secret-value.js';
import type { LoginBody, VaultClient } from './client.js';
import { vaultError } from './errors.js';
import type { VaultAuth } from './settings.js';

/** @public A Vault token the broker minted by logging in; revoked when the run ends. */
export interface VaultLogin {
  readonly token: SecretValue;
  /** When Vault stops honouring the token; undefined for a token without TTL. */
  readonly expiresAt: Date | undefined;
}

/** @public The login methods: every auth method but `token`. */
export type VaultLoginAuth = Exclude<VaultAuth, { method: 'token' }>;

/** @public Audience asked of GitHub Actions for a Vault JWT login when `auth.audience` is not set. */
export const DEFAULT_VAULT_AUDIENCE = 'vault';

/** @public Context of one login. */
export interface VaultLoginRequest {
  readonly client: Pick<VaultClient, 'login'>;
  /** The ref whose fetch needs the login, in display form. */
  readonly ref: string;
  readonly address: string;
  readonly ctx: Pick<FetchContext, 'env' | 'baseDir' | 'signal'>;
  /** The clock, for the token's expiry. @default Date.now */
  readonly now?: () => number;
}

/** @public The cache key of a login: what determines the token. */
export function vaultLoginKey(auth: VaultLoginAuth): string {
  if (auth.method === 'kubernetes') {
    return `kubernetes\u0000${auth.mount ?? 'kubernetes'}\u0000${auth.role}`;
  }
  return auth.method === 'jwt'
    ? `jwt\u0000${auth.mount ?? 'jwt'}\u0000${auth.role}`
    : `approle\u0000${auth.mount ?? 'approle'}\u0000${auth.roleIdEnv}`;
}

/**
 * @public Logs in at `auth/<mount>/login` (JWT with an OIDC token from `auth.token`; AppRole with ids from env vars)
 * and returns the client token with its expiry (`auth.lease_duration`). Throws NO_IDENTITY when the inputs are
 * missing, MINT_FAILED when Vault refuses the login, UNAVAILABLE/TIMEOUT as a read would.
 */
export async function loginToVault(auth: VaultLoginAuth, request: VaultLoginRequest): Promise<Minted<VaultLogin>> {
  const { ctx, ref } = request;
  const mount = auth.mount ?? auth.method;
  const operation = `${auth.method} login for`;
  let body: LoginBody;
  if (auth.method === 'jwt') {
    const jwt = await readOidcToken(auth.token, {
      backend: 'vault',
      audience: auth.audience ?? DEFAULT_VAULT_AUDIENCE,
      ctx,
    });
    body = { role: auth.role, jwt };
  } else if (auth.method === 'kubernetes') {
    // The service-account token carries its own audience; `audience` only matters to GitHub's token service.
    const jwt = await readOidcToken(auth.token ?? 'kubernetes', { backend: 'vault', audience: 'vault', ctx });
    body = { role: auth.role, jwt };
  } else {
    body = {
      role_id: fromEnv(ctx.env, auth.roleIdEnv, 'role id', ref),
      secret_id: fromEnv(ctx.env, auth.secretIdEnv, 'secret id', ref),
    };
  }
  const started = (request.now ?? Date.now)();
  let envelope: Awaited<ReturnType<VaultClient['login']>>;
  try {
    envelope = await request.client.login(auth.method, mount, body, ctx.signal);
  } catch (error) {
    throw vaultError(error, {
      operation,
      ref,
      address: request.address,
      login: true,
      rejectedHint:
        auth.method === 'kubernetes'
          ? `Check that auth/${mount} is a Kubernetes auth mount with role "${auth.role}" bound to this service account and namespace`
          : auth.method === 'jwt'
            ? `Check that auth/${mount} has role "${auth.role}" and that its bound audiences and claims accept the token from ${describeTokenSource(auth.token)}`
            : `Check that auth/${mount} is an AppRole mount and that ${auth.roleIdEnv} and ${auth.secretIdEnv} hold a valid role id and secret id`,
    });
  }
  const token = envelope.auth?.client_token;
  if (typeof token !== 'string' || token === '') {
    throw new BrokerError('MINT_FAILED', 'Vault answered the login without a client token', {
      backend: 'vault',
      operation,
      ref,
      hint: `Check that auth/${mount} is a ${{ jwt: 'JWT/OIDC', kubernetes: 'Kubernetes', approle: 'AppRole' }[auth.method]} auth mount`,
    });
  }
  const ttl = envelope.auth?.lease_duration ?? 0;
  const expiresAt = ttl > 0 ? new Date(started + ttl * 1000) : undefined;
  return { value: { token: new SecretValue(token, 'vault token'), expiresAt }, expiresAt };
}

function fromEnv(env: FetchContext['env'], name: string, what: string, ref: string): SecretValue {
  const value = env[name]?.trim();
  if (value === undefined || value === '') {
    throw new BrokerError('NO_IDENTITY', `env var ${name} (the AppRole ${what}) is not set`, {
      backend: 'vault',
      operation: 'approle login for',
      ref,
      hint: `Export the ${what} as ${name}, or change backends.vault.auth`,
    });
  }
  return new SecretValue(value, `vault approle ${what}`);
}
