import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { MintCache, type Minted } from '../../../src/login/index.js';

const MINUTE = 60_000;

function clock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

// A minter that hands out numbered credentials valid for `lifetime` from the clock's now.
function minter(time: ReturnType<typeof clock>, lifetime: number | undefined) {
  let n = 0;
  return () => {
    n += 1;
    const value = `CANARY_minted_${n}`;
    return Promise.resolve<Minted<string>>({
      value,
      expiresAt: lifetime === undefined ? undefined : new Date(time.now() + lifetime),
    });
  };
}

describe(MintCache.name, () => {
  test('mints once and shares the credential until it enters the refresh window', async () => {
    const time = clock();
    const cache = new MintCache<string>({ now: time.now });
    const mint = minter(time, 60 * MINUTE);
    expect(await cache.get('role', mint)).toBe('CANARY_minted_1');
    time.advance(54 * MINUTE);
    expect(await cache.get('role', mint)).toBe('CANARY_minted_1');
    time.advance(2 * MINUTE);
    expect(await cache.get('role', mint)).toBe('CANARY_minted_2');
    expect(cache.mints).toBe(2);
  });

  test('re-mints short-lived credentials at half their lifetime', async () => {
    const time = clock();
    const cache = new MintCache<string>({ now: time.now });
    const mint = minter(time, 4 * MINUTE);
    await cache.get('k', mint);
    time.advance(2 * MINUTE - 1);
    expect(await cache.get('k', mint)).toBe('CANARY_minted_1');
    time.advance(1);
    expect(await cache.get('k', mint)).toBe('CANARY_minted_2');
  });

  test('shares one mint between concurrent callers, and keeps keys apart', async () => {
    const time = clock();
    const cache = new MintCache<string>({ now: time.now });
    const mint = minter(time, 60 * MINUTE);
    const values = await Promise.all([cache.get('a', mint), cache.get('a', mint), cache.get('b', mint)]);
    expect(values).toEqual(['CANARY_minted_1', 'CANARY_minted_1', 'CANARY_minted_2']);
    expect(cache.mints).toBe(2);
  });

  test('does not keep a failed mint: the next call tries again', async () => {
    const cache = new MintCache<string>();
    await expect(cache.get('k', () => Promise.reject(new Error('denied')))).rejects.toThrow('denied');
    expect(await cache.get('k', () => Promise.resolve({ value: 'CANARY_second', expiresAt: undefined }))).toBe(
      'CANARY_second'
    );
    expect(cache.values()).toEqual(['CANARY_second']);
  });

  test('forgets an invalidated credential', async () => {
    const time = clock();
    const cache = new MintCache<string>({ now: time.now });
    const mint = minter(time, undefined);
    await cache.get('k', mint);
    cache.invalidate('k');
    expect(await cache.get('k', mint)).toBe('CANARY_minted_2');
  });

  test('gives up on a hung mint: its waiters fail with TIMEOUT, its signal aborts, and the next call mints again', async () => {
    const cache = new MintCache<string>({ mintTimeoutMs: 20, backend: 'aws-sm', timeoutHint: 'Check STS' });
    let seen: AbortSignal | undefined;
    const hung = (signal: AbortSignal) => {
      seen = signal;
      return new Promise<Minted<string>>(() => {});
    };
    const waiters = [cache.get('k', hung), cache.get('k', hung)];
    for (const waiter of waiters) {
      await expect(waiter).rejects.toThrow('aws-sm: mint: minting did not finish within 0.02 s. Check STS');
    }
    expect(seen?.aborted).toBe(true);
    expect(await cache.get('k', () => Promise.resolve({ value: 'CANARY_fresh', expiresAt: undefined }))).toBe(
      'CANARY_fresh'
    );
    expect(cache.mints).toBe(2);
  });

  // A separate process: the guard patches net.Socket for the whole process. Strict, nothing allowed, a test holding a
  // credential: its own connection is refused, and a mint started from that test (a grant in the session's process, a
  // re-mint through the loopback endpoint) connects, because the exchange is the broker's.
  test("runs each mint as the broker's own work: the egress guard does not judge it as the test's", () => {
    const src = (path: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, '../../../src', path)).href);
    const script = `
      import { createServer, connect } from 'node:net';
      const { installGuard, holdCredentials } = await import(${src('guard/index.ts')});
      const { MintCache } = await import(${src('login/mint-cache.ts')});
      const server = createServer((socket) => socket.end()).listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address();
      const attempt = () => new Promise((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => { socket.destroy(); resolve('connected'); });
        socket.once('error', (error) => resolve(error.name));
      });
      installGuard({ mode: 'strict', egress: true, allow: [], destinations: {}, findings: '/dev/null' });
      const release = holdCredentials(['TOKEN'], 'a.test.ts > holds a token');
      const cache = new MintCache();
      const minted = await cache.get('role', async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return { value: await attempt(), expiresAt: undefined };
      });
      const own = await attempt();
      release();
      server.close();
      process.stdout.write(JSON.stringify({ minted, own }));`;
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const run = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ minted: 'connected', own: 'EgressRefusedError' });
  });
});
