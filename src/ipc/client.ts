import { connect } from 'node:net';
import { BROKER_ERROR_CODES, BrokerError, type BrokerErrorCode } from '../errors.js';
import type { Grant } from '../session/types.js';
import { type AcquireRequest, MAX_MESSAGE_BYTES, type Response } from './protocol.js';

/** @internal One request, one answer, one short-lived connection over the private Unix socket. */
export function requestGrants(
  socketPath: string,
  token: string,
  file: string | undefined,
  names: readonly string[]
): Promise<readonly Grant[]> {
  const request: AcquireRequest = { v: 1, token, op: 'acquire', file, names };
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_MESSAGE_BYTES) {
        socket.destroy();
        reject(new BrokerError('INTERNAL', 'answer too large', { operation: 'acquire' }));
        return;
      }
      const newline = buffered.indexOf('\n');
      if (newline === -1) {
        return;
      }
      socket.end();
      const response = JSON.parse(buffered.slice(0, newline)) as Response;
      if (response.ok) {
        resolve(response.grants);
      } else {
        const code = (BROKER_ERROR_CODES as readonly string[]).includes(response.code)
          ? (response.code as BrokerErrorCode)
          : 'INTERNAL';
        reject(new BrokerError(code, response.message.replace(/^credential-broker: /, '')));
      }
    });
    socket.on('error', (cause) =>
      reject(
        new BrokerError('UNAVAILABLE', 'the run’s broker is not reachable', {
          operation: 'acquire',
          hint: 'The main process of the test run ended or was not started with the credential-broker plugin/preset',
          cause,
        })
      )
    );
  });
}
