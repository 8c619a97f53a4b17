/**
 * `vault-token:<role>`: a child token of the run's Vault identity (`backends.vault`: a token, or a JWT/AppRole
 * login, cached while fresh), created per test with `auth/token/create/<role>` and revoked with
 * `auth/token/revoke-self` when the test ends. Through the vault backend's own client, so `caFile` (a private CA)
 * and `namespace` apply to child tokens exactly as to `vault:` reads.
 */

import type { MintRequest } from '../../contract/backend.js';
import { BrokerError } from '../../errors.js';
import { MintCache } from '../../login/mint-cache.js';
import type { VaultTokenRef } from '../../ref/types.js';
import { SecretValue } from '../../scrub/secret-value.js';
import { readCaFile } from '../../sdk/ca-file.js';
import { createVaultClient, type SdkImporter, type VaultClient, type VaultEnvelope } from './client.js';
import { ENV_VAULT_ADDR, VAULT_DEFAULT_ADDRESS } from './endpoint.js';
import { failureOf, vaultError } from './errors.js';
import { loginToVault, type VaultLogin } from './login.js';
import type { VaultSettings } from './settings.js';
import { readVaultToken } from './token.js';

type Env = Readonly<Record<string, string | undefined>>;
type Ctx = { readonly env: Env; readonly baseDir: string; readonly signal: AbortSignal };

// A revoke must not hold a finished test open when Vault has gone away (the token then lapses at its TTL).
const REVOKE_TIMEOUT_MS = 10_000;

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
export function createVaultTokenMints(
  settings: VaultSettings | undefined,
  env: Env,
  importSdk?: SdkImporter
): VaultTokenMints {
  const address = (settings?.address ?? env[ENV_VAULT_ADDR] ?? VAULT_DEFAULT_ADDRESS).replace(/\/+$/, '');
  const namespace = settings?.namespace ?? (env['VAULT_NAMESPACE'] || undefined);
  const auth = settings?.auth ?? { method: 'token' as const };
  const logins = new MintCache<VaultLogin>({ backend: 'vault-token' });
  let connection: Promise<VaultClient> | undefined;
  let mints = 0;

  // One client for the run, built at the first mint (the CA file is read relative to the config then).
  const connect = (ref: string, ctx: Ctx): Promise<VaultClient> => {
    connection ??= (async () => {
      const ca =
        settings?.caFile === undefined
          ? undefined
          : await readCaFile(settings.caFile, ctx, { backend: 'vault-token', operation: 'connect for', ref });
      return createVaultClient(
        {
          address,
          backend: 'vault-token',
          ...(namespace === undefined ? {} : { namespace }),
          ...(ca === undefined ? {} : { ca }),
        },
        importSdk
      );
    })();
    connection.catch(() => {
      connection = undefined;
    });
    return connection;
  };

  const parent = async (client: VaultClient, ref: string, ctx: Ctx): Promise<SecretValue> => {
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
      const client = await connect(display, ctx);
      const token = await parent(client, display, ctx);
      mints += 1;
      let envelope: VaultEnvelope;
      try {
        envelope = await client.createToken(
          ref.role,
          {
            ...(request.policies === undefined ? {} : { policies: request.policies }),
            ...(request.ttl === undefined ? {} : { ttl: request.ttl }),
            ...(request.numUses === undefined ? {} : { num_uses: request.numUses }),
          },
          token,
          ctx.signal
        );
      } catch (error) {
        const failure = failureOf(error);
        // A refusal names the role; an unreachable or untrusted server (TLS: caFile) reads as for `vault:`.
        if (failure?.kind === 'status' && failure.status >= 400 && failure.status < 500 && failure.status !== 429) {
          throw new BrokerError(
            'MINT_FAILED',
            `Vault refused to create a token with role ${ref.role} (HTTP ${failure.status})`,
            {
              backend: 'vault-token',
              operation: 'auth/token/create',
              ref: display,
              hint: `Check that auth/token/roles/${ref.role} exists and that the Vault identity (backends.vault.auth) may create tokens with it`,
              cause: (error as Error).cause,
            }
          );
        }
        throw vaultError(error, { backend: 'vault-token', operation: 'auth/token/create', ref: display, address });
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
      const client = await connection?.catch(() => undefined);
      if (client === undefined) {
        return false;
      }
      // A token that expired or ran out of uses is gone already: the audit says "not revoked", nothing more.
      return client.revokeSelf(child.token, AbortSignal.timeout(REVOKE_TIMEOUT_MS)).then(
        () => true,
        () => false
      );
    },
  };
}
