import { timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Grant } from '../session/types.js';
import { type AcquireRequest, MAX_MESSAGE_BYTES, type Response } from './protocol.js';

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
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_MESSAGE_BYTES) {
        socket.destroy();
        return;
      }
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        void answer(line).then((response) => socket.write(`${JSON.stringify(response)}\n`));
        newline = buffered.indexOf('\n');
      }
    });
  });

  const answer = async (line: string): Promise<Response> => {
    let request: AcquireRequest;
    try {
      request = JSON.parse(line) as AcquireRequest;
    } catch {
      return { ok: false, code: 'INTERNAL', message: 'credential-broker: malformed channel request' };
    }
    const given = Buffer.from(typeof request.token === 'string' ? request.token : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, code: 'DENIED', message: 'credential-broker: channel token rejected' };
    }
    if (request.op !== 'acquire' || !Array.isArray(request.names)) {
      return { ok: false, code: 'INTERNAL', message: 'credential-broker: unknown channel operation' };
    }
    try {
      return { ok: true, grants: await grant(request.file, request.names) };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return {
        ok: false,
        code: typeof code === 'string' ? code : 'INTERNAL',
        message: error instanceof Error ? error.message : 'credential-broker: acquire failed',
      };
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

  const closeSync = () => {
    for (const socket of sockets) {
      socket.destroy();
    }
    server.close();
    rmSync(socketPath, { force: true });
  };
  return {
    socketPath,
    closeSync,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
        rmSync(socketPath, { force: true });
      }),
  };
}
