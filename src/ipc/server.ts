import { timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { isBrokerError } from '../errors.js';
import type { Grant } from '../session/types.js';
import { type AcquireRequest, LineReader, type Response } from './protocol.js';

/** @internal Answers acquire requests; `grant` decides per name. */
export interface ChannelServer {
  readonly socketPath: string;
  close(): Promise<void>;
  closeSync(): void;
}

/** @internal Listen on `socketPath` (inside a 0700 directory). */
export async function listenChannel(
  socketPath: string,
  token: string,
  grant: (file: string | undefined, names: readonly string[]) => Promise<readonly Grant[]>
): Promise<ChannelServer> {
  const expected = Buffer.from(token);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const reader = new LineReader();
    // Answers go out in request order even when a later grant settles first.
    let replies = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      const lines = reader.push(chunk);
      if (lines === undefined) {
        socket.destroy();
        return;
      }
      for (const line of lines) {
        const pending = answer(line);
        replies = replies
          .then(() => pending)
          .then((response) => {
            if (!socket.destroyed) {
              socket.write(`${JSON.stringify(response)}\n`);
            }
          });
      }
    });
  });

  const answer = async (line: string): Promise<Response> => {
    const request = parseRequest(line);
    if (request === undefined) {
      return { ok: false, code: 'INTERNAL', message: 'credential-broker: malformed channel request' };
    }
    const given = Buffer.from(typeof request.token === 'string' ? request.token : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, code: 'DENIED', message: 'credential-broker: channel token rejected' };
    }
    if (
      request.op !== 'acquire' ||
      !Array.isArray(request.names) ||
      !request.names.every((name) => typeof name === 'string') ||
      (request.file !== undefined && typeof request.file !== 'string')
    ) {
      return { ok: false, code: 'INTERNAL', message: 'credential-broker: unknown channel operation' };
    }
    try {
      return { ok: true, grants: await grant(request.file, request.names) };
    } catch (error) {
      if (isBrokerError(error)) {
        return { ok: false, code: error.code, message: error.message };
      }
      // A foreign error's message may quote what it was working on; its name is enough to report it.
      const name = error instanceof Error ? error.name : typeof error;
      return { ok: false, code: 'INTERNAL', message: `credential-broker: acquire failed (${name})` };
    }
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
    closeSync: () => stop(),
    close: () => new Promise<void>((resolve) => stop(resolve)),
  };
}

// Fields are checked by `answer`; here only that the line is a JSON object at all.
function parseRequest(line: string): Partial<AcquireRequest> | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Partial<AcquireRequest>) : undefined;
  } catch {
    return undefined;
  }
}
