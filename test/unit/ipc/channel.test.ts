import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Grant } from '../../../src/contract/wire.js';
import { isBrokerError } from '../../../src/errors.js';
import { claimChannel, requestGrants } from '../../../src/ipc/client.js';
import { DEFAULT_CHANNEL_LIMITS } from '../../../src/ipc/limits.js';
import { type ChannelServer, listenChannel } from '../../../src/ipc/server.js';

const TOKEN = 'a'.repeat(64);
const KEY = 'b'.repeat(64);
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

type Acquire = (file: string, names: readonly string[]) => Promise<readonly Grant[]>;

/** A channel whose only ticket is TOKEN, claiming any file; its key is KEY. */
async function channel(acquire: Acquire): Promise<ChannelServer> {
  let spent = false;
  const server = await listenChannel(socketPath(), {
    takeTicket: (ticket) => {
      const ok = ticket === TOKEN && !spent;
      spent = true;
      return ok ? {} : undefined;
    },
    claim: () => ({ key: KEY, declared: {} }),
    byKey: (key) => (key === KEY ? {} : undefined),
    acquire: (_claim, file, names) => acquire(file, names),
  });
  cleanups.push(() => server.close());
  return server;
}

const hello = `${JSON.stringify({ v: 2, op: 'hello', key: KEY })}\n`;

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
  it('answers an acquire after a hello with the key, in order', async () => {
    const server = await channel(async (_file, names) =>
      names.map((name) => ({ name, status: 'skipped', reason: 'r' }))
    );
    const request = (names: string[]) => `${JSON.stringify({ v: 2, op: 'acquire', file: '/a.test.ts', names })}\n`;
    expect(await exchange(server.socketPath, `${hello}${request(['A'])}${request(['B'])}`, 2)).toEqual([
      { ok: true, grants: [{ name: 'A', status: 'skipped', reason: 'r' }] },
      { ok: true, grants: [{ name: 'B', status: 'skipped', reason: 'r' }] },
    ]);
  });

  it('answers a wrong first frame once and ends the connection', async () => {
    const server = await channel(async () => []);
    for (const [frame, message] of [
      ['null', 'credential-broker: malformed hello on the private channel'],
      [
        JSON.stringify({ v: 1, op: 'hello', key: KEY }),
        'credential-broker: channel protocol version 1 is not 2: the worker and the main process run different credential-broker versions',
      ],
      [
        JSON.stringify({ v: 2, op: 'acquire', file: '/a', names: ['A'] }),
        'credential-broker: the first frame on the private channel must be a hello with a ticket or a key',
      ],
      [
        JSON.stringify({ v: 2, op: 'hello', key: 'c'.repeat(64) }),
        'credential-broker: channel ticket or key rejected (each ticket is good for one claim)',
      ],
    ] as const) {
      expect(await exchange(server.socketPath, `${frame}\n${frame}\n`, 1)).toEqual([
        { ok: false, code: expect.any(String), message },
      ]);
    }
  });

  it('refuses names that are not names', async () => {
    const server = await channel(async () => []);
    const request = JSON.stringify({ v: 2, op: 'acquire', file: '/a', names: [{}] });
    expect(await exchange(server.socketPath, `${hello}${request}\n`, 1)).toEqual([
      { ok: false, code: 'DENIED', message: 'credential-broker: an acquire names one test file and credential names' },
    ]);
  });

  it('does not forward the message of a foreign error, which may quote data', async () => {
    const server = await channel(async () => {
      throw new TypeError(`cannot read ${CANARY}`);
    });
    const request = JSON.stringify({ v: 2, op: 'acquire', file: '/a', names: ['A'] });
    expect(await exchange(server.socketPath, `${hello}${request}\n`, 1)).toEqual([
      { ok: false, code: 'INTERNAL', message: 'credential-broker: request failed (TypeError)' },
    ]);
  });
});

describe(requestGrants.name, () => {
  it('rejects when the server ends the connection without an answer', async () => {
    const path = await rawServer((socket) => socket.end());
    const error = await requestGrants(path, KEY, '/a.test.ts', ['A']).catch((e: unknown) => e);
    expect(isBrokerError(error) && error.message).toBe(
      'acquire: the run’s broker closed the channel without an answer. The main process of the test run ended or was not started with the credential-broker plugin/preset'
    );
  }, 5_000);

  it('rejects an answer that is not JSON instead of throwing from the socket listener', async () => {
    const path = await rawServer((socket) => socket.end(`${CANARY}\n`));
    const error = await requestGrants(path, KEY, '/a.test.ts', ['A']).catch((e: unknown) => e);
    expect(isBrokerError(error) && error.message).toBe('acquire: malformed answer on the private channel');
  });

  it('maps an unknown error code to INTERNAL and drops the "credential-broker: " prefix', async () => {
    const path = await rawServer((socket) =>
      socket.end(`${JSON.stringify({ ok: false, code: 'NOPE', message: 'credential-broker: nope' })}\n`)
    );
    const error = await requestGrants(path, KEY, '/a.test.ts', ['A']).catch((e: unknown) => e);
    expect(isBrokerError(error) && [error.code, error.message]).toEqual(['INTERNAL', 'nope']);
  });
});

describe("the claim's connection", () => {
  /** A channel that counts its key lookups: one for the claim, then one per connection opened for an acquire. */
  async function counting(idleMs = DEFAULT_CHANNEL_LIMITS.idleMs) {
    const keyLookups = { count: 0 };
    const server = await listenChannel(
      socketPath(),
      {
        takeTicket: (ticket) => (ticket === TOKEN ? {} : undefined),
        claim: () => ({ key: KEY, declared: {} }),
        byKey: (key) => {
          keyLookups.count += 1;
          return key === KEY ? {} : undefined;
        },
        acquire: async (_claim, _file, names) => names.map((name) => ({ name, status: 'skipped', reason: 'r' })),
      },
      { ...DEFAULT_CHANNEL_LIMITS, idleMs }
    );
    cleanups.push(() => server.close());
    return { server, keyLookups };
  }
  const skippedA = [{ name: 'A', status: 'skipped', reason: 'r' }];

  it('carries the acquire that follows the claim at once, then closes', async () => {
    const { server, keyLookups } = await counting();
    const { key, spare } = await claimChannel(server.socketPath, TOKEN, ['/a.test.ts']);
    expect(await requestGrants(server.socketPath, key, '/a.test.ts', ['A'], spare)).toEqual(skippedA);
    expect(keyLookups.count).toBe(1);
    await vi.waitFor(() => expect(server.connections).toBe(0));
    // Used once: a later acquire opens its own connection.
    expect(await requestGrants(server.socketPath, key, '/a.test.ts', ['A'], spare)).toEqual(skippedA);
    expect(keyLookups.count).toBe(2);
  });

  it("closes unused at the end of the claim's turn of the event loop, and the acquire opens its own", async () => {
    const { server, keyLookups } = await counting();
    const { key, spare } = await claimChannel(server.socketPath, TOKEN, ['/a.test.ts']);
    await nextTurn();
    await vi.waitFor(() => expect(server.connections).toBe(0));
    expect(await requestGrants(server.socketPath, key, '/a.test.ts', ['A'], spare)).toEqual(skippedA);
    expect(keyLookups.count).toBe(2);
  });

  it("closes unused under a test's fake timers too", async () => {
    const { server } = await counting();
    vi.useFakeTimers({ toFake: ['setImmediate'] });
    try {
      await claimChannel(server.socketPath, TOKEN, ['/a.test.ts']);
      // Polled on Node's own timers: vi.waitFor would advance the fake ones, and so run a faked setImmediate.
      for (let waited = 0; server.connections > 0 && waited < 5_000; waited += 10) {
        await sleep(10);
      }
      expect(server.connections).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('is asked anew on a fresh connection when the server closed it before answering', async () => {
    const { server, keyLookups } = await counting(5);
    const { key, spare } = await claimChannel(server.socketPath, TOKEN, ['/a.test.ts']);
    // The server's idle timeout ends the claim's connection while the spare waits.
    await vi.waitFor(() => expect(server.connections).toBe(0));
    expect(await requestGrants(server.socketPath, key, '/a.test.ts', ['A'], spare)).toEqual(skippedA);
    expect(keyLookups.count).toBe(2);
  });
});
