import { BrokerError, type BrokerErrorCode, isBrokerError } from '../../errors.js';

/** @internal What the sops backend was doing when it failed. */
export type SopsOperation = 'read' | 'parse' | 'decrypt';

/**
 * @internal A failure found deep in parsing or decryption, where the ref is not known. {@link toBrokerError}
 * turns it into the public error once the ref is. The reason names keys, paths and shapes, never values.
 */
export class SopsProblem extends Error {
  constructor(
    readonly code: BrokerErrorCode,
    readonly operation: SopsOperation,
    readonly reason: string,
    readonly hint?: string,
    options?: { cause?: unknown }
  ) {
    super(reason, options);
  }
}

/** @internal Shorthand for a malformed-file problem. */
export function parseProblem(reason: string, hint?: string): SopsProblem {
  return new SopsProblem('DECRYPT_FAILED', 'parse', reason, hint);
}

/** @internal Shorthand for a tampered-file problem: the fixed wording every integrity failure shares. */
export function integrityProblem(reason: string): SopsProblem {
  return new SopsProblem('INTEGRITY', 'decrypt', `the file was modified after encryption: ${reason}`, INTEGRITY_HINT);
}

const INTEGRITY_HINT = 'Restore it from version control, or re-encrypt it with sops';

/** @internal The public error for a problem (or any other failure) while reading `ref`. */
export function toBrokerError(error: unknown, ref: string | undefined): BrokerError {
  if (isBrokerError(error)) {
    return error;
  }
  const base = ref === undefined ? { backend: 'sops' } : { backend: 'sops', ref };
  if (error instanceof SopsProblem) {
    return new BrokerError(error.code, error.reason, {
      ...base,
      operation: error.operation,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error.cause === undefined ? {} : { cause: error.cause }),
    });
  }
  // A bug, not bad input: keep the cause for debugging but never copy its message, which may quote data.
  return new BrokerError('INTERNAL', 'unexpected failure while decrypting', {
    ...base,
    operation: 'decrypt',
    cause: error,
  });
}
