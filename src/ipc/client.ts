import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { Grant } from '../contract/wire.js';
import { BrokerError } from '../errors.js';
import { errorFromWire, type FileDeclarations, LineReader, PROTOCOL_VERSION, type Response } from './protocol.js';

const UNREACHABLE_HINT =
  'The main process of the test run ended or was not started with the credential-broker plugin/preset';
/** A connection closed before any answer (the server sheds connections under a flood) is tried again this often. */
const ATTEMPTS = 4;

/** @internal Spends a one-time ticket on the test files this worker runs; the answer's key serves later requests. */
export async function claimChannel(
  socketPath: string,
  ticket: string,
  files: readonly string[]
): Promise<{ readonly key: string; readonly declared: Readonly<Record<string, FileDeclarations>> }> {
  const response = await exchange(socketPath, { op: 'hello', ticket }, { op: 'claim', files }, 'claim');
  if (!('key' in response)) {
    throw new BrokerError('INTERNAL', 'malformed answer on the private channel', { operation: 'claim' });
  }
  return { key: response.key, declared: response.declared };
}

/** @internal One acquire, on a short-lived connection that presents the worker's key first. */
export async function requestGrants(
  socketPath: string,
  key: string,
  file: string,
  names: readonly string[]
): Promise<readonly Grant[]> {
  const response = await exchange(socketPath, { op: 'hello', key }, { op: 'acquire', file, names }, 'acquire');
  if (!('grants' in response)) {
    throw new BrokerError('INTERNAL', 'malformed answer on the private channel', { operation: 'acquire' });
  }
  return response.grants;
}

async function exchange(
  socketPath: string,
  hello: object,
  request: object,
  operation: string
): Promise<Extract<Response, { ok: true }>> {
  const text = `${JSON.stringify({ v: PROTOCOL_VERSION, ...hello })}\n${JSON.stringify({ v: PROTOCOL_VERSION, ...request })}\n`;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await once(socketPath, text, operation);
    } catch (error) {
      const shed = error instanceof BrokerError && error.code === 'UNAVAILABLE' && (error as Shed)[SHED] === true;
      if (!shed || attempt >= ATTEMPTS) {
        throw error;
      }
      await delay(25 * 2 ** attempt);
    }
  }
}

const SHED = Symbol('closed before any answer');
type Shed = BrokerError & { [SHED]?: boolean };

function once(socketPath: string, text: string, operation: string): Promise<Extract<Response, { ok: true }>> {
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
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk: Buffer) => {
      const lines = reader.push(chunk);
      if (lines === undefined) {
        settle(() => reject(new BrokerError('INTERNAL', 'answer too large', { operation })));
        return;
      }
      const [line] = lines;
      if (line !== undefined) {
        settle(() => answered(line, operation, resolve, reject));
      }
    });
    // A server that goes away mid-request (closed, crashed, shed the connection) must not leave the test hanging.
    socket.on('close', () =>
      settle(() => {
        const error: Shed = new BrokerError('UNAVAILABLE', 'the run’s broker closed the channel without an answer', {
          operation,
          hint: UNREACHABLE_HINT,
        });
        error[SHED] = true;
        reject(error);
      })
    );
    socket.on('error', (cause) =>
      settle(() =>
        reject(
          new BrokerError('UNAVAILABLE', 'the run’s broker is not reachable', {
            operation,
            hint: UNREACHABLE_HINT,
            cause,
          })
        )
      )
    );
  });
}

function answered(
  line: string,
  operation: string,
  resolve: (response: Extract<Response, { ok: true }>) => void,
  reject: (error: BrokerError) => void
) {
  let response: Response | null = null;
  try {
    response = JSON.parse(line) as Response | null;
  } catch {
    // Reported below without quoting the line: it may hold values.
  }
  if (typeof response !== 'object' || response === null) {
    reject(new BrokerError('INTERNAL', 'malformed answer on the private channel', { operation }));
    return;
  }
  if (response.ok) {
    resolve(response);
  } else {
    reject(errorFromWire(response.code, response.message));
  }
}
