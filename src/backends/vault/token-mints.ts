/**
 * `vault-token:<role>`: a child token of the run's Vault identity (`backends.vault`: a token, or a JWT/AppRole
 * login, cached while fresh), created per test with `auth/token/create/<role>` and revoked with
 * `auth/token/revoke-self` when the test ends. Plain HTTP through `fetch`: the Vault API is three calls here.
 */

import type { MintRequest } from '../../contract/backend.js';
import { BrokerError } from '../../errors.js';
import { MintCache } from '../../login/mint-cache.js';
import type { VaultTokenRef } from '../../ref/types.js';
import { SecretValue } from '../../scrub/secret-value.js';
import type { VaultClient, VaultEnvelope } from './client.js';
import { VaultCallError } from './client.js';
import { ENV_VAULT_ADDR, VAULT_DEFAULT_ADDRESS } from './endpoint.js';
import { loginToVault, type VaultLogin } from './login.js';
import type { VaultSettings } from './settings.js';
import { readVaultToken } from './token.js';

type Env = Readonly<Record<string, string | undefined>>;
type Ctx = { readonly env: Env; readonly baseDir: string; readonly signal: AbortSignal };

/** @public One test's child token. */
export interface ChildToken {
  readonly token: SecretValue;
  readonly expiresAt: Date | undefined;
}

/** @public */
export interface VaultTokenMints {
  readonly address: string;
  readonly namespace: string | undefined;
  create(ref: VaultTokenRef, request: MintRequest, ctx: Ctx): Promise<ChildToken>;
  /** False when Vault refused or did not answer (the token then lapses at its TTL). */
  revoke(child: ChildToken): Promise<boolean>;
  /** Child tokens created so far. */
  readonly mints: number;
}

/** @public */
export function createVaultTokenMints(settings: VaultSettings | undefined, env: Env): VaultTokenMints {
  const address = (settings?.address ?? env[ENV_VAULT_ADDR] ?? VAULT_DEFAULT_ADDRESS).replace(/\/+$/, '');
  const namespace = settings?.namespace ?? (env['VAULT_NAMESPACE'] || undefined);
  const auth = settings?.auth ?? { method: 'token' as const };
  const logins = new MintCache<VaultLogin>({ backend: 'vault-token' });
  let mints = 0;

  const call = async (path: string, token: string | undefined, body: unknown, signal: AbortSignal) => {
    let response: Response;
    try {
      response = await fetch(`${address}/v1/${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-vault-request': 'true',
          ...(token === undefined ? {} : { 'x-vault-token': token }),
          ...(namespace === undefined ? {} : { 'x-vault-namespace': namespace }),
        },
        body: JSON.stringify(body ?? {}),
        signal,
      });
    } catch (error) {
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      throw new VaultCallError(
        signal.aborted ? { kind: 'aborted' } : { kind: 'network', code: typeof code === 'string' ? code : 'error' },
        undefined
      );
    }
    const envelope = (await response.json().catch(() => ({}))) as VaultEnvelope & { errors?: unknown };
    if (!response.ok) {
      const errors = Array.isArray(envelope.errors) ? envelope.errors.map(String) : [];
      throw new VaultCallError({ kind: 'status', status: response.status, errors, body: envelope }, undefined);
    }
    return envelope;
  };

  const client: Pick<VaultClient, 'login'> = {
    login: (_method, mount, body, signal) =>
      call(
        `auth/${mount}/login`,
        undefined,
        Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v instanceof SecretValue ? v.reveal() : v])),
        signal
      ),
  };

  const parent = async (ref: string, ctx: Ctx): Promise<SecretValue> => {
    if (auth.method === 'token') {
      return readVaultToken({ env: auth.env, ref, ctx });
    }
    const login = await logins.get(auth.method, () => loginToVault(auth, { client, ref, address, ctx }));
    return login.token;
  };

  return {
    address,
    namespace,
    get mints() {
      return mints;
    },
    async create(ref, request, ctx) {
      const display = `vault-token:${ref.role}`;
      const token = await parent(display, ctx);
      mints += 1;
      let envelope: VaultEnvelope;
      try {
        envelope = await call(
          `auth/token/create/${encodeURIComponent(ref.role)}`,
          token.reveal(),
          {
            ...(request.policies === undefined ? {} : { policies: request.policies }),
            ...(request.ttl === undefined ? {} : { ttl: request.ttl }),
            ...(request.numUses === undefined ? {} : { num_uses: request.numUses }),
          },
          ctx.signal
        );
      } catch (error) {
        const failure = error instanceof VaultCallError ? error.failure : undefined;
        const status = failure?.kind === 'status' ? ` (HTTP ${failure.status})` : '';
        throw new BrokerError('MINT_FAILED', `Vault refused to create a token with role ${ref.role}${status}`, {
          backend: 'vault-token',
          operation: 'auth/token/create',
          ref: display,
          hint: `Check that auth/token/roles/${ref.role} exists and that the Vault identity (backends.vault.auth) may create tokens with it`,
          transient: failure?.kind === 'network' || (failure?.kind === 'status' && failure.status >= 500),
        });
      }
      const child = envelope.auth?.client_token;
      if (typeof child !== 'string' || child === '') {
        throw new BrokerError('MINT_FAILED', 'Vault answered auth/token/create without a client token', {
          backend: 'vault-token',
          operation: 'auth/token/create',
          ref: display,
          hint: 'Check that backends.vault.address points at Vault',
        });
      }
      const ttl = envelope.auth?.lease_duration ?? 0;
      return {
        token: new SecretValue(child, `${display} child token`),
        expiresAt: ttl > 0 ? new Date(Date.now() + ttl * 1000) : undefined,
      };
    },
    async revoke(child) {
      // A token that expired or ran out of uses is gone already: the audit says "not revoked", nothing more.
      return call('auth/token/revoke-self', child.token.reveal(), {}, AbortSignal.timeout(10_000)).then(
        () => true,
        () => false
      );
    },
  };
}
