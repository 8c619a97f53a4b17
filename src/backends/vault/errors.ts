import { BrokerError } from '../../errors.js';
import { VaultCallError, type VaultFailure } from './client.js';

/** @internal What the broker was doing when a Vault call failed, for the message. */
export interface VaultCallContext {
  /** The scheme named in the message. @default 'vault' */
  readonly backend?: 'vault' | 'vault-token';
  /** `read`, `detect KV version`, `jwt login for`… */
  readonly operation: string;
  /** The ref in display form. */
  readonly ref: string;
  /** The server address, named when it cannot be reached. */
  readonly address: string;
  /** A login (4xx → MINT_FAILED) rather than a read (403 → DENIED, 404 → NOT_FOUND). */
  readonly login?: boolean;
  /** Hints per status class; defaults are generic. */
  readonly deniedHint?: string;
  readonly notFoundHint?: string;
  readonly rejectedHint?: string;
}

/** @internal The failure behind `error`, when it is a failed Vault call. */
export function failureOf(error: unknown): VaultFailure | undefined {
  return error instanceof VaultCallError ? error.failure : undefined;
}

// TLS verification failures: a retry cannot cure them, a CA can.
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * @internal Our error for a failed Vault call. Vault's own error strings are never copied (they can echo input);
 * the SDK error stays reachable as `cause`.
 */
export function vaultError(error: unknown, context: VaultCallContext): BrokerError {
  if (!(error instanceof VaultCallError)) {
    return error instanceof BrokerError
      ? error
      : new BrokerError('INTERNAL', `unexpected ${error instanceof Error ? error.name : 'error'}`, {
          ...where(context),
          cause: error,
        });
  }
  const failure = error.failure;
  const base = { ...where(context), cause: error.cause };
  switch (failure.kind) {
    case 'aborted':
      return new BrokerError('TIMEOUT', 'cancelled before Vault answered', {
        ...base,
        transient: true,
        hint: 'The fetch timed out or the run was interrupted; raise resolve.timeoutMs if Vault is slow',
      });
    case 'network':
      if (TLS_CODES.has(failure.code)) {
        return new BrokerError(
          'UNAVAILABLE',
          `the TLS certificate of ${context.address} failed verification (${failure.code})`,
          {
            ...base,
            hint: 'Set backends.vault.caFile to the PEM of the CA that signed your Vault server certificate',
          }
        );
      }
      return new BrokerError('UNAVAILABLE', `cannot reach Vault at ${context.address} (${failure.code})`, {
        ...base,
        transient: failure.code !== 'ENOTFOUND',
        hint: 'Check backends.vault.address (or VAULT_ADDR) and that Vault is running',
      });
    case 'status':
      return statusError(failure.status, failure.errors, context, base);
  }
}

function statusError(
  status: number,
  errors: readonly string[],
  context: VaultCallContext,
  base: ReturnType<typeof where> & { cause: unknown }
): BrokerError {
  const http = `(HTTP ${status})`;
  if (status === 503) {
    const sealed = errors.some((e) => /\bsealed\b/i.test(e));
    return new BrokerError(
      'UNAVAILABLE',
      sealed ? `Vault is sealed ${http}` : `Vault is unavailable or standby ${http}`,
      {
        ...base,
        transient: true,
        hint: sealed ? 'Unseal Vault, or point backends.vault.address at an unsealed node' : 'Retry later',
      }
    );
  }
  if (status >= 500 || status === 429 || status === 412 || status === 473) {
    const reason = status === 429 ? `Vault is rate limiting requests ${http}` : `Vault could not answer ${http}`;
    return new BrokerError('UNAVAILABLE', reason, { ...base, transient: true, hint: 'Retry later' });
  }
  if (context.login === true) {
    return new BrokerError('MINT_FAILED', `Vault refused the login ${http}`, {
      ...base,
      hint: context.rejectedHint ?? 'Check the auth method settings',
    });
  }
  if (status === 401 || status === 403) {
    return new BrokerError('DENIED', `permission denied ${http}`, {
      ...base,
      hint: context.deniedHint ?? "Check the token's policies",
    });
  }
  if (status === 404) {
    return new BrokerError('NOT_FOUND', `no secret there ${http}`, {
      ...base,
      hint: context.notFoundHint ?? 'Check the mount and path',
    });
  }
  return new BrokerError('UNAVAILABLE', `Vault rejected the request ${http}`, {
    ...base,
    hint: context.rejectedHint ?? 'Check that the path can be read',
  });
}

function where(context: VaultCallContext) {
  return { backend: context.backend ?? 'vault', operation: context.operation, ref: context.ref } as const;
}
