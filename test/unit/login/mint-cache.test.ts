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
});
