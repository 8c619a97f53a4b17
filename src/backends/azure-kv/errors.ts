import { BrokerError, isBrokerError } from '../../errors.js';
import { AzureMintFailure } from '../../login/azure-token-cache.js';
import { opaqueCause } from '../../sdk/opaque-cause.js';

/** @internal Names the failing request in errors. */
export interface RequestMeta {
  readonly ref: string;
  /** The vault URL the request went to. */
  readonly vaultUrl: string;
  /** The signal of the fetch: an abort it caused is a timeout, not a network failure. */
  readonly signal: AbortSignal;
}

const BACKEND = 'azure-kv';

// Node's certificate verification codes (a private CA nobody trusts, a name mismatch…).
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS/;

/**
 * @internal Maps what `SecretClient.getSecret` (or our credential inside it) threw to a BrokerError. Key Vault's and
 * Entra's messages are never copied (they echo names and can echo more); the error is kept as `cause`.
 */
export function mapKeyVaultError(error: unknown, meta: RequestMeta): BrokerError {
  const base = { backend: BACKEND, ref: meta.ref, cause: opaqueCause(error, '@azure/keyvault-secrets') } as const;
  if (error instanceof AzureMintFailure) {
    return new BrokerError(error.code, error.reason, {
      ...base,
      operation: 'mint Entra token',
      hint: error.hint,
      transient: error.transient,
    });
  }
  if (isBrokerError(error)) {
    return withRef(error, meta.ref);
  }
  const read = { ...base, operation: 'read' } as const;
  if (meta.signal.aborted || (error instanceof Error && error.name === 'AbortError')) {
    return new BrokerError('TIMEOUT', `the request to ${meta.vaultUrl} was aborted before an answer`, {
      ...read,
      transient: true,
      hint: 'Check that the vault is reachable, or raise resolve.timeoutMs',
    });
  }
  const { status, code, inner } = restErrorFacts(error);
  if (status === 404) {
    return new BrokerError('NOT_FOUND', `no such secret in ${meta.vaultUrl} (${code ?? 'NotFound'})`, {
      ...read,
      hint: 'Check the vault and secret names, and the version if one is given',
    });
  }
  if (status === 403 && inner === 'SecretDisabled') {
    return new BrokerError('NOT_FOUND', 'the secret (or this version of it) is disabled', {
      ...read,
      hint: 'Enable it in the vault, or pin an enabled version with ?version=',
    });
  }
  if (status === 403) {
    return new BrokerError('DENIED', `the identity may not read this secret (${inner ?? code ?? 'Forbidden'})`, {
      ...read,
      hint: 'Grant it the "Key Vault Secrets User" role on the vault or the secret (RBAC), or get permission on secrets in the access policy',
    });
  }
  if (status === 401) {
    return new BrokerError('DENIED', 'Key Vault refused a freshly minted Entra token', {
      ...read,
      hint: "Check that the identity's tenant is the vault's and that Key Vault trusts its authority host",
    });
  }
  if (status === 429 || (status !== undefined && status >= 500)) {
    return new BrokerError('UNAVAILABLE', `Key Vault answered ${status}`, {
      ...read,
      transient: true,
      hint: status === 429 ? 'Key Vault throttles this vault; retry later' : 'Retry later',
    });
  }
  if (status === undefined && code !== undefined && TLS_CODE.test(code)) {
    return new BrokerError('UNAVAILABLE', `cannot verify the TLS certificate of ${meta.vaultUrl} (${code})`, {
      ...read,
      hint: "Trust the vault's CA: set caFile to its certificate (PEM), relative to the config",
    });
  }
  if (status === undefined && code !== undefined && /^(E[A-Z]+|ERR_[A-Z_]+|REQUEST_SEND_ERROR)$/.test(code)) {
    return new BrokerError('UNAVAILABLE', `cannot reach ${meta.vaultUrl} (${code})`, {
      ...read,
      transient: true,
      hint: 'Check the vault name, the endpoint and the network',
    });
  }
  return new BrokerError('UNAVAILABLE', `unexpected answer from Key Vault (${status ?? code ?? describe(error)})`, {
    ...read,
    hint: 'Run with debug logging to see the cause',
  });
}

/** @internal Whether Key Vault refused the token itself (not the caller's rights): worth one fresh mint. */
export function isTokenRefused(error: unknown): boolean {
  return restErrorFacts(error).status === 401;
}

function restErrorFacts(error: unknown): { status?: number; code?: string; inner?: string } {
  if (typeof error !== 'object' || error === null) {
    return {};
  }
  const e = error as { statusCode?: unknown; code?: unknown; details?: unknown };
  const details = e.details as { error?: { innerError?: { code?: unknown }; innererror?: { code?: unknown } } };
  const inner = details?.error?.innerError?.code ?? details?.error?.innererror?.code;
  return {
    ...(typeof e.statusCode === 'number' ? { status: e.statusCode } : {}),
    ...(isIdentifier(e.code) ? { code: e.code } : {}),
    ...(isIdentifier(inner) ? { inner } : {}),
  };
}

/** Service codes are quoted only when they look like codes: the body they come from is the server's text. */
function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(value);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** @internal A BrokerError raised below the backend (token sources, setup) without the ref: the same, naming it. */
export function withRef(error: BrokerError, ref: string): BrokerError {
  if (error.ref !== undefined) {
    return error;
  }
  const head = [error.backend, error.operation].filter(Boolean).join(': ');
  let reason = head === '' ? error.message : error.message.slice(head.length + 2);
  if (error.hint !== undefined && reason.endsWith(`. ${error.hint}`)) {
    reason = reason.slice(0, -(error.hint.length + 2));
  }
  return new BrokerError(error.code, reason, {
    backend: error.backend ?? BACKEND,
    ...(error.operation === undefined ? {} : { operation: error.operation }),
    ref,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    transient: error.transient,
    cause: error,
  });
}
