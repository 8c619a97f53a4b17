import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Grant } from '../contract/wire.js';
import { isBrokerError } from '../errors.js';
import { type ChannelLimits, DEFAULT_CHANNEL_LIMITS } from './limits.js';
import { type FileDeclarations, LineReader, PROTOCOL_VERSION, type Response } from './protocol.js';

/**
 * @internal What the channel asks the session. Every answer comes from memory (tickets, keys, the plan read before
 * the run): nothing here opens a path a client names, and only `acquire` is asynchronous (resolution).
 */
export interface ChannelAuthority<Holder, Claim> {
  /** The holder of a ticket, once: undefined when the ticket is unknown, spent or expired (and it is spent now). */
  takeTicket(ticket: string): Holder | undefined;
  /** Binds a ticket holder to the test files it runs; throws a BrokerError naming the file it refuses. */
  claim(holder: Holder, files: readonly string[]): { key: string; declared: Record<string, FileDeclarations> };
  /** The claim a key stands for, or undefined. */
  byKey(key: string): Claim | undefined;
  /** Grants for one claimed file; throws a BrokerError naming what is not planned. */
  acquire(claim: Claim, file: string, names: readonly string[]): Promise<readonly Grant[]>;
}

/** @internal */
export interface ChannelServer {
  readonly socketPath: string;
  /** Open connections (for the fuzz suite's figures). */
  readonly connections: number;
  close(): Promise<void>;
  closeSync(): void;
}

const CREDENTIAL = /^[0-9a-f]{64}$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_NAMES = 256;
const MAX_FILES = 100_000;

type Phase<H, C> =
  | { readonly kind: 'hello' }
  | { readonly kind: 'ticket'; readonly holder: H }
  | { readonly kind: 'claimed'; readonly claim: C };

/** @internal Listen on `socketPath` (inside a 0700 directory) and answer by `authority`, within `limits`. */
export async function listenChannel<H, C>(
  socketPath: string,
  authority: ChannelAuthority<H, C>,
  limits: ChannelLimits = DEFAULT_CHANNEL_LIMITS
): Promise<ChannelServer> {
  const sockets = new Set<Socket>();
  // Insertion order is age order: the oldest connection still without a hello is the first one.
  const unauthenticated = new Set<Socket>();
  let buffered = 0;

  const server: Server = createServer((socket) => {
    if (unauthenticated.size >= limits.maxUnauthenticated) {
      const oldest = unauthenticated.values().next().value;
      oldest?.destroy();
    }
    sockets.add(socket);
    unauthenticated.add(socket);
    serve(socket);
  });
  server.maxConnections = limits.maxConnections;

  const serve = (socket: Socket): void => {
    let phase: Phase<H, C> = { kind: 'hello' };
    let hello: Buffer[] = [];
    let helloSize = 0;
    const reader = new LineReader(limits.lineBytes);
    let inFlight = 0;
    let held = 0;
    let replies = Promise.resolve();
    let ending = false;
    let timer: NodeJS.Timeout | undefined;

    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => socket.destroy(), ms);
      timer.unref();
    };
    const hold = (bytes: number) => {
      buffered += bytes - held;
      held = bytes;
    };
    const release = () => {
      clearTimeout(timer);
      hold(0);
      hello = [];
      sockets.delete(socket);
      unauthenticated.delete(socket);
    };
    socket.on('close', release);
    socket.on('error', () => socket.destroy());
    arm(limits.handshakeMs);

    // A refused frame gets one answer, then the connection ends and nothing more it sends is read.
    const refuse = (code: string, message: string) => {
      if (ending) {
        return;
      }
      ending = true;
      socket.pause();
      replies = replies.then(() => {
        if (!socket.destroyed) {
          socket.end(`${JSON.stringify({ ok: false, code, message: `credential-broker: ${message}` })}\n`);
        }
      });
    };

    const send = (response: Promise<Response>) => {
      inFlight += 1;
      clearTimeout(timer);
      if (inFlight >= limits.inFlight) {
        socket.pause();
      }
      replies = replies
        .then(() => response)
        .then((answer) => {
          inFlight -= 1;
          if (socket.destroyed || ending) {
            return;
          }
          if (!answer.ok) {
            refuse(answer.code, answer.message.replace(/^credential-broker: /, ''));
            return;
          }
          const flushed = socket.write(`${JSON.stringify(answer)}\n`);
          // Backpressure: nothing more is read while an answer waits for the client to take it.
          if (!flushed) {
            socket.pause();
            socket.once('drain', () => resume());
          } else {
            resume();
          }
        });
    };
    const resume = () => {
      if (!ending && !socket.destroyed && inFlight < limits.inFlight && !socket.writableNeedDrain) {
        socket.resume();
      }
      if (inFlight === 0 && !ending) {
        arm(limits.idleMs);
      }
    };

    const onHello = (line: string) => {
      const frame = parseObject(line);
      if (frame === undefined) {
        refuse('DENIED', 'malformed hello on the private channel');
        return;
      }
      if (frame['v'] !== PROTOCOL_VERSION) {
        refuse(
          'UNSUPPORTED',
          `channel protocol version ${JSON.stringify(frame['v'])} is not ${PROTOCOL_VERSION}: the worker and the main process run different credential-broker versions`
        );
        return;
      }
      const ticket = frame['ticket'];
      const key = frame['key'];
      if (frame['op'] !== 'hello' || (ticket === undefined) === (key === undefined)) {
        refuse('DENIED', 'the first frame on the private channel must be a hello with a ticket or a key');
        return;
      }
      if (typeof ticket === 'string' && CREDENTIAL.test(ticket)) {
        const holder = authority.takeTicket(ticket);
        if (holder !== undefined) {
          phase = { kind: 'ticket', holder };
        }
      } else if (typeof key === 'string' && CREDENTIAL.test(key)) {
        const claim = authority.byKey(key);
        if (claim !== undefined) {
          phase = { kind: 'claimed', claim };
        }
      }
      if (phase.kind === 'hello') {
        // One answer for unknown, spent, expired and malformed credentials alike: no oracle.
        refuse('DENIED', 'channel ticket or key rejected (each ticket is good for one claim)');
        return;
      }
      unauthenticated.delete(socket);
      arm(limits.idleMs);
    };

    const onRequest = (line: string) => {
      if (inFlight >= limits.inFlight) {
        socket.destroy();
        return;
      }
      const frame = parseObject(line);
      if (frame === undefined || frame['v'] !== PROTOCOL_VERSION) {
        refuse('DENIED', 'malformed request on the private channel');
        return;
      }
      if (phase.kind === 'ticket' && frame['op'] === 'claim') {
        const files = frame['files'];
        if (!isStringArray(files, MAX_FILES) || files.length === 0) {
          refuse('DENIED', 'a claim names the test files as an array of paths');
          return;
        }
        const holder = phase.holder;
        send(
          settle(() => {
            const { key, declared } = authority.claim(holder, files);
            phase = { kind: 'claimed', claim: authority.byKey(key) as C };
            return { ok: true, key, declared };
          })
        );
        return;
      }
      if (phase.kind === 'claimed' && frame['op'] === 'acquire') {
        const { file, names } = frame;
        if (typeof file !== 'string' || !isStringArray(names, MAX_NAMES) || !names.every((n) => NAME.test(n))) {
          refuse('DENIED', 'an acquire names one test file and credential names');
          return;
        }
        const claim = phase.claim;
        send(settle(async () => ({ ok: true, grants: await authority.acquire(claim, file, names) })));
        return;
      }
      refuse('DENIED', 'request not allowed on this connection');
    };

    socket.on('data', (chunk: Buffer) => {
      if (ending) {
        return;
      }
      let rest = chunk;
      if (phase.kind === 'hello') {
        const newline = chunk.indexOf(0x0a);
        const head = newline === -1 ? chunk : chunk.subarray(0, newline);
        helloSize += head.length;
        if (helloSize > limits.helloBytes) {
          socket.destroy();
          return;
        }
        if (newline === -1) {
          hello.push(Buffer.from(head));
          hold(helloSize);
          return;
        }
        const line = Buffer.concat([...hello, head]).toString('utf8');
        hello = [];
        hold(0);
        onHello(line);
        if (phase.kind === 'hello' || ending) {
          return;
        }
        rest = chunk.subarray(newline + 1);
      }
      const lines = reader.push(rest);
      if (lines === undefined) {
        socket.destroy();
        return;
      }
      hold(reader.buffered);
      if (buffered > limits.bufferedBytes) {
        socket.destroy();
        return;
      }
      for (const line of lines) {
        if (ending || socket.destroyed) {
          return;
        }
        onRequest(line);
      }
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();

  // Connections are cut rather than drained: a worker still asking after the run ended gets "closed without an answer".
  const stop = (closed?: () => void) => {
    for (const socket of sockets) {
      socket.destroy();
    }
    server.close(closed === undefined ? undefined : () => closed());
    rmSync(socketPath, { force: true });
  };
  return {
    socketPath,
    get connections() {
      return sockets.size;
    },
    closeSync: () => stop(),
    close: () => new Promise<void>((resolve) => stop(resolve)),
  };
}

/** Runs a handler; its BrokerError becomes an answer, anything else a generic one (a foreign message may quote data). */
async function settle(run: () => Response | Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (error) {
    if (isBrokerError(error)) {
      return { ok: false, code: error.code, message: error.message };
    }
    const name = error instanceof Error ? error.name : typeof error;
    return { ok: false, code: 'INTERNAL', message: `credential-broker: request failed (${name})` };
  }
}

// Own properties of a JSON object only: `__proto__` in the text is a plain key, never a prototype.
function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isStringArray(value: unknown, max: number): value is string[] {
  return Array.isArray(value) && value.length <= max && value.every((v) => typeof v === 'string' && v.length <= 4096);
}
