import { connect, type Socket } from 'node:net';
// Node's own, not the global: a test's fake timers (vi.useFakeTimers) replace the global and would keep a spare open.
import { setImmediate } from 'node:timers';
import { setTimeout as delay } from 'node:timers/promises';
import type { Grant } from '../contract/wire.js';
import { BrokerError } from '../errors.js';
import { errorFromWire, type FileDeclarations, LineReader, PROTOCOL_VERSION, type Response } from './protocol.js';

const UNREACHABLE_HINT =
  'The main process of the test run ended or was not started with the credential-broker plugin/preset';
/** A connection closed before any answer (the server sheds connections under a flood) is tried again this often. */
const ATTEMPTS = 4;

type Answer = Extract<Response, { ok: true }>;

/**
 * @internal The connection a claim was answered on, kept open for the one acquire that follows it at once (Jest claims
 * and acquires back to back), so that the two share one connection. It closes after that acquire, or unused at the
 * end of the claim's turn of the event loop (a Vitest fork acquires only at its first test): an authenticated socket
 * is not left open while test code runs.
 */
export interface SpareConnection {
  /** Closes it now (idempotent). */
  close(): void;
}

/** @internal Spends a one-time ticket on the test files this worker runs; the answer's key serves later requests. */
export async function claimChannel(
  socketPath: string,
  ticket: string,
  files: readonly string[]
): Promise<{
  readonly key: string;
  readonly declared: Readonly<Record<string, FileDeclarations>>;
  readonly spare: SpareConnection;
}> {
  const { answer, connection } = await exchange(socketPath, { op: 'hello', ticket }, { op: 'claim', files }, 'claim');
  if (!('key' in answer)) {
    connection.close();
    throw new BrokerError('INTERNAL', 'malformed answer on the private channel', { operation: 'claim' });
  }
  setImmediate(() => connection.closeIfIdle());
  return { key: answer.key, declared: answer.declared, spare: connection };
}

/**
 * @internal One acquire: on `spare` (the claim's connection, already authenticated) when it is still open, else on a
 * short-lived connection that presents the worker's key first.
 */
export async function requestGrants(
  socketPath: string,
  key: string,
  file: string,
  names: readonly string[],
  spare?: SpareConnection
): Promise<readonly Grant[]> {
  const request = { op: 'acquire', file, names };
  const answer = (await onSpare(spare, request)) ?? (await fresh(socketPath, key, request));
  if (!('grants' in answer)) {
    throw new BrokerError('INTERNAL', 'malformed answer on the private channel', { operation: 'acquire' });
  }
  return answer.grants;
}

async function fresh(socketPath: string, key: string, request: object): Promise<Answer> {
  const { answer, connection } = await exchange(socketPath, { op: 'hello', key }, request, 'acquire');
  connection.close();
  return answer;
}

/** The answer on the spare connection; undefined when it is gone or went away before answering (then ask anew). */
async function onSpare(spare: SpareConnection | undefined, request: object): Promise<Answer | undefined> {
  if (!(spare instanceof Connection) || !spare.idle) {
    spare?.close();
    return undefined;
  }
  try {
    return await spare.send(frame(request), 'acquire');
  } catch (error) {
    if (isShed(error)) {
      return undefined;
    }
    throw error;
  } finally {
    spare.close();
  }
}

/** One request on a fresh connection, retried while the server sheds it; the caller closes what it is answered on. */
async function exchange(
  socketPath: string,
  hello: object,
  request: object,
  operation: string
): Promise<{ answer: Answer; connection: Connection }> {
  const text = frame(hello) + frame(request);
  for (let attempt = 1; ; attempt += 1) {
    const connection = new Connection(socketPath);
    try {
      return { answer: await connection.send(text, operation), connection };
    } catch (error) {
      connection.close();
      if (!isShed(error) || attempt >= ATTEMPTS) {
        throw error;
      }
      await delay(25 * 2 ** attempt);
    }
  }
}

function frame(message: object): string {
  return `${JSON.stringify({ v: PROTOCOL_VERSION, ...message })}\n`;
}

const SHED = Symbol('closed before any answer');
type Shed = BrokerError & { [SHED]?: boolean };

function isShed(error: unknown): boolean {
  return error instanceof BrokerError && error.code === 'UNAVAILABLE' && (error as Shed)[SHED] === true;
}

interface Waiting {
  readonly operation: string;
  readonly resolve: (answer: Answer) => void;
  readonly reject: (error: BrokerError) => void;
}

/** One connection to the channel: a request out, one answer line back, one request at a time. */
class Connection implements SpareConnection {
  readonly #socket: Socket;
  readonly #reader = new LineReader();
  #waiting: Waiting | undefined;
  #closed = false;

  constructor(socketPath: string) {
    this.#socket = connect(socketPath);
    this.#socket.on('data', (chunk: Buffer) => this.#read(chunk));
    // A server that goes away mid-request (closed, crashed, shed the connection) must not leave the test hanging.
    this.#socket.on('close', () =>
      this.#settle((w) => {
        const error: Shed = new BrokerError('UNAVAILABLE', 'the run’s broker closed the channel without an answer', {
          operation: w.operation,
          hint: UNREACHABLE_HINT,
        });
        error[SHED] = true;
        w.reject(error);
      })
    );
    this.#socket.on('error', (cause) =>
      this.#settle((w) =>
        w.reject(
          new BrokerError('UNAVAILABLE', 'the run’s broker is not reachable', {
            operation: w.operation,
            hint: UNREACHABLE_HINT,
            cause,
          })
        )
      )
    );
  }

  /** Open, and no request waiting for its answer. */
  get idle(): boolean {
    return !this.#closed && this.#waiting === undefined;
  }

  /** Writes `text` (queued until connected) and resolves with the next answer line. */
  send(text: string, operation: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.#waiting = { operation, resolve, reject };
      this.#socket.ref();
      this.#socket.write(text);
    });
  }

  closeIfIdle(): void {
    if (this.#waiting === undefined) {
      this.close();
    }
  }

  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #read(chunk: Buffer): void {
    const lines = this.#reader.push(chunk);
    if (lines === undefined) {
      this.#settle((w) => w.reject(new BrokerError('INTERNAL', 'answer too large', { operation: w.operation })));
      this.close();
      return;
    }
    const [line] = lines;
    if (line !== undefined) {
      this.#settle((w) => answered(line, w));
    }
  }

  // Hands the outcome to the request waiting for it; with none waiting (an idle connection closed, an answer nobody
  // asked for), the connection is no longer usable.
  #settle(outcome: (waiting: Waiting) => void): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting === undefined) {
      this.close();
      return;
    }
    // Idle, it must not keep the worker's event loop alive.
    this.#socket.unref();
    outcome(waiting);
  }
}

function answered(line: string, { operation, resolve, reject }: Waiting): void {
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
