import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { FetchContext } from '../../contract/backend.js';
import { BrokerError } from '../../errors.js';
import { SecretValue } from '../../scrub/secret-value.js';

/** @public The env var the Vault CLI reads its token from. */
export const ENV_VAULT_TOKEN = 'VAULT_TOKEN';
/** @public The file `vault login` writes the token to, in the home directory. */
export const VAULT_TOKEN_FILE = '.vault-token';

/** @public What a Vault token is read for, named in errors. */
export interface VaultTokenRequest {
  /** Env var named by `auth.env`; absent: `$VAULT_TOKEN`, then `~/.vault-token`. */
  readonly env?: string | undefined;
  /** The ref being fetched, in display form. */
  readonly ref: string;
  readonly ctx: Pick<FetchContext, 'env' | 'signal'>;
}

/**
 * @public A token the user already holds, found as the Vault CLI finds it: the env var named by `auth.env` (only
 * that one), else `$VAULT_TOKEN`, else `~/.vault-token` (`HOME` from the fetch context). Throws NO_IDENTITY.
 */
export async function readVaultToken(request: VaultTokenRequest): Promise<SecretValue> {
  const { env, ctx } = request;
  const fromEnv = ctx.env[env ?? ENV_VAULT_TOKEN]?.trim();
  if (fromEnv !== undefined && fromEnv !== '') {
    return new SecretValue(fromEnv, 'vault token');
  }
  if (env !== undefined) {
    throw noToken(
      request,
      `env var ${env} is not set`,
      `Export a Vault token as ${env} (named by backends.vault.auth.env)`
    );
  }
  const file = join(ctx.env['HOME'] ?? homedir(), VAULT_TOKEN_FILE);
  let text: string;
  try {
    text = await readFile(file, { encoding: 'utf8', signal: ctx.signal });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw noToken(
      request,
      `${ENV_VAULT_TOKEN} is not set and ${file} cannot be read (${code})`,
      'Run `vault login`, export VAULT_TOKEN, or configure backends.vault.auth (jwt, approle)',
      error
    );
  }
  const token = text.trim();
  if (token === '') {
    throw noToken(
      request,
      `${ENV_VAULT_TOKEN} is not set and ${file} is empty`,
      'Run `vault login` or export VAULT_TOKEN'
    );
  }
  return new SecretValue(token, 'vault token');
}

function noToken(request: VaultTokenRequest, reason: string, hint: string, cause?: unknown): BrokerError {
  return new BrokerError('NO_IDENTITY', `no Vault token: ${reason}`, {
    backend: 'vault',
    operation: 'read token for',
    ref: request.ref,
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}
