import { BrokerError, type BrokerErrorCode } from '../../errors.js';

/**
 * @internal A failure found deep inside the age code, before it knows which backend, operation and ref to name.
 * The public functions turn it into a {@link BrokerError}. Its reason never holds key or plaintext bytes.
 */
export class AgeProblem extends Error {
  override readonly name = 'AgeProblem';
  readonly code: BrokerErrorCode;
  readonly reason: string;
  readonly hint: string | undefined;

  constructor(code: BrokerErrorCode, reason: string, hint?: string, cause?: unknown) {
    super(reason, cause === undefined ? undefined : { cause });
    this.code = code;
    this.reason = reason;
    this.hint = hint;
  }
}

/** @internal Who is asking, for the message head: `<backend>: <operation> "<ref>"`. */
export interface ProblemContext {
  readonly backend: string;
  readonly operation: string;
  readonly ref?: string | undefined;
}

/** @internal */
export function toBrokerError(
  problem: AgeProblem,
  context: ProblemContext,
  cause: unknown = problem.cause
): BrokerError {
  return new BrokerError(problem.code, problem.reason, {
    backend: context.backend,
    operation: context.operation,
    ...(context.ref === undefined ? {} : { ref: context.ref }),
    ...(problem.hint === undefined ? {} : { hint: problem.hint }),
    ...(cause === undefined ? {} : { cause }),
  });
}
