import { inspect } from 'node:util';
import { type BrokerError, isBrokerError } from '../../src/errors.js';

/** What `promise` rejects with, as a BrokerError; the test fails when it resolves or rejects with anything else. */
export async function brokerRejection(promise: Promise<unknown>): Promise<BrokerError> {
  const outcome = await promise.then(
    () => ({ resolved: true as const }),
    (error: unknown) => ({ resolved: false as const, error })
  );
  if (outcome.resolved) {
    throw new Error('expected a rejection');
  }
  if (!isBrokerError(outcome.error)) {
    throw new Error(`expected a BrokerError, got ${inspect(outcome.error)}`);
  }
  return outcome.error;
}
