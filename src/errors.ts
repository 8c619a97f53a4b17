/**
 * The one error type of credential-broker. Messages name the backend, the operation, the reference
 * and a hint — never a secret value (aesthetics G5–G7).
 */

/** @public Every way the broker can fail. Closed: callers may switch on it exhaustively. */
export const BROKER_ERROR_CODES = [
  'REF_SYNTAX',
  'CONFIG_INVALID',
  'CONFIG_NOT_FOUND',
  'UNKNOWN_CREDENTIAL',
  'UNKNOWN_SCHEME',
  'MISSING_DEPENDENCY',
  'EGRESS_DISABLED',
  'UNAVAILABLE',
  'TIMEOUT',
  'NOT_FOUND',
  'DENIED',
  'FIELD_NOT_FOUND',
  'DECRYPT_FAILED',
  'INTEGRITY',
  'NO_IDENTITY',
  'UNSUPPORTED',
  'TOO_LARGE',
  'MATERIALISE_FAILED',
  'MINT_FAILED',
  'LEAK_DETECTED',
  'INTERNAL',
] as const;

/** @public */
export type BrokerErrorCode = (typeof BROKER_ERROR_CODES)[number];

/** @public */
export interface BrokerErrorOptions {
  /** Scheme id of the backend involved, e.g. `vault`. */
  readonly backend?: string;
  /** What was being done: `read`, `decrypt`, `parse`, `materialise`… */
  readonly operation?: string;
  /** The reference in display form (refs are not secret). */
  readonly ref?: string;
  /** What the user can do about it. Appended to the message. */
  readonly hint?: string;
  /** A transient failure that a retry may cure (network reset, 5xx, throttling). */
  readonly transient?: boolean;
  /** The underlying error. Kept as `cause`; its message is never copied into ours. */
  readonly cause?: unknown;
}

const BRAND = Symbol.for('credential-broker.error');

/** @public The broker's error. Detect it with {@link isBrokerError}, which works across vm realms (Jest). */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  readonly code: BrokerErrorCode;
  readonly backend: string | undefined;
  readonly operation: string | undefined;
  readonly ref: string | undefined;
  readonly hint: string | undefined;
  readonly transient: boolean;

  constructor(code: BrokerErrorCode, reason: string, options: BrokerErrorOptions = {}) {
    super(formatMessage(reason, options), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.backend = options.backend;
    this.operation = options.operation;
    this.ref = options.ref;
    this.hint = options.hint;
    this.transient = options.transient ?? false;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** @public Realm-safe check: `instanceof` fails across Jest's vm contexts, a symbol brand does not. */
export function isBrokerError(error: unknown): error is BrokerError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

// `<backend>: <operation> <ref>: <reason>. <hint>` — identifiers only, never values.
function formatMessage(reason: string, { backend, operation, ref, hint }: BrokerErrorOptions): string {
  const subject = [operation, ref === undefined ? undefined : `"${ref}"`].filter(Boolean).join(' ');
  const head = [backend, subject].filter(Boolean).join(': ');
  const body = head === '' ? reason : `${head}: ${reason}`;
  return hint === undefined ? body : `${body}. ${hint}`;
}
