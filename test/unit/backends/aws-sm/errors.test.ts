import { describe, expect, it } from 'vitest';
import { secretsManagerError } from '../../../../src/backends/aws-sm/errors.js';

const facts = { ref: 'aws-sm:app/db', region: 'eu-west-1', identity: 'role arn:aws:iam::1:role/ci', minted: true };
const live = new AbortController().signal;

// Shaped like the SDK's service exceptions: name = code, $fault, $metadata, a server-written message.
function serviceError(name: string, status: number, message = 'CANARY_echoed_by_the_server'): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

describe(secretsManagerError.name, () => {
  it('never quotes the server: an odd error code is not echoed either', () => {
    const odd = secretsManagerError(serviceError('Weird CANARY code', 400), live, facts);
    expect([odd.code, odd.transient, odd.message]).toEqual([
      'UNAVAILABLE',
      false,
      'aws-sm: get "aws-sm:app/db": the Secrets Manager request failed (error). See the cause of this error for details',
    ]);
    const unknown = secretsManagerError(serviceError('SomethingNewException', 400), live, facts);
    expect(unknown.message).toBe(
      'aws-sm: get "aws-sm:app/db": Secrets Manager answered SomethingNewException (HTTP 400). See the AWS documentation of this error code'
    );
  });

  it('an abort wins over whatever the SDK made of it', () => {
    const controller = new AbortController();
    controller.abort();
    const error = secretsManagerError(serviceError('ResourceNotFoundException', 400), controller.signal, facts);
    expect([error.code, error.transient]).toEqual(['TIMEOUT', true]);
  });

  it("keeps only the original's name, code and status as cause, and maps a non-error throw", () => {
    const original = serviceError('ThrottlingException', 400);
    expect(String(secretsManagerError(original, live, facts).cause)).toBe(
      'Error: ThrottlingException (HTTP 400) from @aws-sdk/client-secrets-manager'
    );
    expect(secretsManagerError('CANARY_string', live, facts).message).toBe(
      'aws-sm: get "aws-sm:app/db": the Secrets Manager request failed (error). See the cause of this error for details'
    );
  });
});
