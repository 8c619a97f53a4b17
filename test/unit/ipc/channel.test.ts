import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isBrokerError } from '../../../src/errors.js';
import { requestGrants } from '../../../src/ipc/client.js';
import { type ChannelServer, listenChannel } from '../../../src/ipc/server.js';

const TOKEN = 'a'.repeat(64);
const CANARY = 'CANARY_CHANNEL_4e1b9f';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

function socketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cb-ipc-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'broker.sock');
}

async function channel(grant: Parameters<typeof listenChannel>[2]): Promise<ChannelServer> {
  const server = await listenChannel(socketPath(), TOKEN, grant);
  cleanups.push(() => server.close());
  return server;
}

/** A server that does whatever `onSocket` does instead of answering like the broker. */
async function rawServer(onSocket: (socket: Socket) => void): Promise<string> {
  const path = socketPath();
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
      })
  );
  return path;
}

/** Send raw lines, collect the answer lines until the server ends the connection or `count` arrived. */
function exchange(path: string, text: string, count: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n').filter(Boolean);
      if (lines.length >= count) {
        socket.end();
        resolve(lines.map((line) => JSON.parse(line) as unknown));
      }
    });
    socket.on('error', reject);
  });
}

describe(listenChannel.name, () => {
  it('answers a request that is valid JSON but not an object, and keeps serving', async () => {
    const server = await channel(async (_file, names) =>
      names.map((name) => ({ name, status: 'skipped', reason: 'r' }))
    );
    const request = JSON.stringify({ v: 1, token: TOKEN, op: 'acquire', file: undefined, names: ['A'] });
    expect(await exchange(server.socketPath, `null\n${request}\n`, 2)).toEqual([
      { ok: false, code: 'INTERNAL', message: 'credential-broker: malformed channel request' },
      { ok: true, grants: [{ name: 'A', status: 'skipped', reason: 'r' }] },
    ]);
  });

  it('refuses names that are not strings', async () => {
    const server = await channel(async () => []);
    const request = JSON.stringify({ v: 1, token: TOKEN, op: 'acquire', names: [{}] });
    expect(await exchange(server.socketPath, `${request}\n`, 1)).toEqual([
      { ok: false, code: 'INTERNAL', message: 'credential-broker: unknown channel operation' },
    ]);
  });

  it('does not forward the message of a foreign error, which may quote data', async () => {
    const server = await channel(async () => {
      throw new TypeError(`cannot read ${CANARY}`);
    });
    const request = JSON.stringify({ v: 1, token: TOKEN, op: 'acquire', names: ['A'] });
    expect(await exchange(server.socketPath, `${request}\n`, 1)).toEqual([
      { ok: false, code: 'INTERNAL', message: 'credential-broker: acquire failed (TypeError)' },
    ]);
  });
});

describe(requestGrants.name, () => {
  it('rejects when the server ends the connection without an answer', async () => {
    const path = await rawServer((socket) => socket.end());
    const error = await requestGrants(path, TOKEN, undefined, ['A']).catch((e: unknown) => e);
    expect(isBrokerError(error) && error.message).toBe(
      'acquire: the run’s broker closed the channel without an answer. The main process of the test run ended or was not started with the credential-broker plugin/preset'
    );
  }, 5_000);

  it('rejects an answer that is not JSON instead of throwing from the socket listener', async () => {
    const path = await rawServer((socket) => socket.end(`${CANARY}\n`));
    const error = await requestGrants(path, TOKEN, undefined, ['A']).catch((e: unknown) => e);
    expect(isBrokerError(error) && error.message).toBe('acquire: malformed answer on the private channel');
  });

  it('maps an unknown error code to INTERNAL and drops the "credential-broker: " prefix', async () => {
    const path = await rawServer((socket) =>
      socket.end(`${JSON.stringify({ ok: false, code: 'NOPE', message: 'credential-broker: nope' })}\n`)
    );
    const error = await requestGrants(path, TOKEN, undefined, ['A']).catch((e: unknown) => e);
    expect(isBrokerError(error) && [error.code, error.message]).toEqual(['INTERNAL', 'nope']);
  });
});
