import { BrokerError } from '../errors.js';

/** @internal Builds the one error of this folder: `materialise: <operation>: <reason>. <hint>`. */
export function materialiseError(operation: string, reason: string, hint?: string, cause?: unknown): BrokerError {
  return new BrokerError('MATERIALISE_FAILED', reason, {
    backend: 'materialise',
    operation,
    ...(hint === undefined ? {} : { hint }),
    ...(cause === undefined ? {} : { cause }),
  });
}

/** @internal The `code` of a Node system error, if any. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
