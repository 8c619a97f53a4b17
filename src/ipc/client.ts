import { connect } from 'node:net';
import { BrokerError } from '../errors.js';
import type { Grant } from '../session/types.js';
import { type AcquireRequest, errorFromWire, LineReader, type Response } from './protocol.js';

const UNREACHABLE_HINT =
  'The main process of the test run ended or was not started with the credential-broker plugin/preset';

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
    const reader = new LineReader();
    let settled = false;
    const settle = (outcome: () => void) => {
      if (!settled) {
        settled = true;
        socket.destroy();
        outcome();
      }
    };
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: Buffer) => {
      const lines = reader.push(chunk);
      if (lines === undefined) {
        settle(() => reject(new BrokerError('INTERNAL', 'answer too large', { operation: 'acquire' })));
        return;
      }
      const [line] = lines;
      if (line !== undefined) {
        settle(() => answered(line, resolve, reject));
      }
    });
    // A server that goes away mid-request (closed, crashed, refused an oversized line) must not leave the test hanging.
    socket.on('close', () =>
      settle(() =>
        reject(
          new BrokerError('UNAVAILABLE', 'the run’s broker closed the channel without an answer', {
            operation: 'acquire',
            hint: UNREACHABLE_HINT,
          })
        )
      )
    );
    socket.on('error', (cause) =>
      settle(() =>
        reject(
          new BrokerError('UNAVAILABLE', 'the run’s broker is not reachable', {
            operation: 'acquire',
            hint: UNREACHABLE_HINT,
            cause,
          })
        )
      )
    );
  });
}

function answered(line: string, resolve: (grants: readonly Grant[]) => void, reject: (error: BrokerError) => void) {
  let response: Response | null = null;
  try {
    response = JSON.parse(line) as Response | null;
  } catch {
    // Reported below without quoting the line: it may hold values.
  }
  if (typeof response !== 'object' || response === null) {
    reject(new BrokerError('INTERNAL', 'malformed answer on the private channel', { operation: 'acquire' }));
    return;
  }
  if (response.ok) {
    resolve(response.grants);
  } else {
    reject(errorFromWire(response.code, response.message));
  }
}
