import { describe, expect, it, vi } from 'vitest';
import { inlineCredential } from '../../../src/config/normalise.js';
import type { Backend, BackendFactory, FetchContext } from '../../../src/contract/backend.js';
import { BrokerError, isBrokerError } from '../../../src/errors.js';
import { createResolver } from '../../../src/host/resolver.js';
import { parseRef } from '../../../src/ref/index.js';
import { SecretValue } from '../../../src/scrub/secret-value.js';

const quiet = { debug() {}, info() {}, warn() {} };
const spec = (name: string, ref: string) => inlineCredential(name, parseRef(ref), 'test');

interface Probe {
  calls: string[];
  inFlight: number;
  maxInFlight: number;
}

function fileBackend(fetch: (path: string, ctx: FetchContext, probe: Probe) => Promise<string>): {
  factory: BackendFactory;
  probe: Probe;
} {
  const probe: Probe = { calls: [], inFlight: 0, maxInFlight: 0 };
  const backend: Backend<'file'> = {
    scheme: 'file',
    async fetch(ref, ctx) {
      probe.calls.push(ref.path);
      probe.inFlight += 1;
      probe.maxInFlight = Math.max(probe.maxInFlight, probe.inFlight);
      try {
        return { text: new SecretValue(await fetch(ref.path, ctx, probe), ref.path) };
      } finally {
        probe.inFlight -= 1;
      }
    },
  };
  return { factory: (() => backend) as BackendFactory, probe };
}

function resolverFor(factory: BackendFactory, extra: Partial<Parameters<typeof createResolver>[0]> = {}) {
  return createResolver({
    backends: {},
    baseDir: '/nowhere',
    env: {},
    egressEnabled: false,
    log: quiet,
    retryDelayMs: 1,
    factories: { file: factory },
    ...extra,
  });
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe(createResolver.name, () => {
  it('fetches each document once however many fields, names and callers use it', async () => {
    const { factory, probe } = fileBackend(async (path) => {
      await tick();
      return JSON.stringify({ url: `CANARY_${path}_url`, user: `CANARY_${path}_user` });
    });
    const resolver = resolverFor(factory);
    const specs = [
      spec('A_URL', 'file:a.json#url'),
      spec('A_USER', 'file:a.json#user'),
      spec('A_AGAIN', 'file://a.json#/url'),
      spec('B_URL', 'file:b.json#url'),
    ];
    const results = await Promise.all([...specs, ...specs, ...specs].map((s) => resolver.resolve(s)));
    expect(probe.calls.sort()).toEqual(['a.json', 'b.json']);
    expect(resolver.fetches).toBe(2);
    expect(results.slice(0, 4).map((v) => v.reveal())).toEqual([
      'CANARY_a.json_url',
      'CANARY_a.json_user',
      'CANARY_a.json_url',
      'CANARY_b.json_url',
    ]);
    expect(String(results[0])).toBe('[redacted:A_URL]');
  });

  it('runs fetches in parallel up to the concurrency bound', async () => {
    const { factory, probe } = fileBackend(async () => {
      await tick();
      return 'CANARY_value';
    });
    const resolver = resolverFor(factory, { concurrency: 3 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => resolver.resolve(spec(`C${i}`, `file:doc-${i}`))));
    expect(probe.calls).toHaveLength(10);
    expect(probe.maxInFlight).toBe(3);
  });

  it('aborts a fetch that exceeds the timeout and says so without the value', async () => {
    let aborted = false;
    const { factory } = fileBackend(
      (_path, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        })
    );
    const resolver = resolverFor(factory, { timeoutMs: 20, retries: 0 });
    const error = await resolver.resolve(spec('SLOW', 'file:slow.txt')).catch((e: unknown) => e);
    expect(isBrokerError(error) && error.code).toBe('TIMEOUT');
    expect((error as Error).message).toBe(
      'file: fetch "file:slow.txt": no answer within 20 ms. Check that the backend is reachable, or raise resolve.timeoutMs'
    );
    expect(aborted).toBe(true);
  });

  it('retries transient failures and succeeds', async () => {
    const { factory, probe } = fileBackend(async (_p, _c, { calls }) => {
      if (calls.length < 3) {
        throw new BrokerError('UNAVAILABLE', 'connection reset', { backend: 'file', transient: true });
      }
      return 'CANARY_after_retries';
    });
    const resolver = resolverFor(factory, { retries: 2 });
    await expect(resolver.resolve(spec('FLAKY', 'file:flaky')).then((v) => v.reveal())).resolves.toBe(
      'CANARY_after_retries'
    );
    expect(probe.calls).toHaveLength(3);
  });

  it('gives up on transient failures after the retry budget', async () => {
    const { factory, probe } = fileBackend(async () => {
      throw new BrokerError('UNAVAILABLE', 'connection reset', { backend: 'file', transient: true });
    });
    const resolver = resolverFor(factory, { retries: 2 });
    await expect(resolver.resolve(spec('DOWN', 'file:down'))).rejects.toThrow('file: connection reset');
    expect(probe.calls).toHaveLength(3);
  });

  it('stops retrying when closed while it waits for the next attempt', async () => {
    const { factory, probe } = fileBackend(async () => {
      throw new BrokerError('UNAVAILABLE', 'connection reset', { backend: 'file', transient: true });
    });
    const resolver = resolverFor(factory, { retries: 2, retryDelayMs: 600_000 });
    const pending = resolver.resolve(spec('DOWN', 'file:down')).catch((e: unknown) => e);
    await vi.waitFor(() => expect(probe.calls).toHaveLength(1));
    await resolver.close();
    expect(((await pending) as Error).message).toBe('file: connection reset');
    expect(probe.calls).toHaveLength(1);
  }, 5_000);

  it('does not retry permanent failures', async () => {
    const { factory, probe } = fileBackend(async () => {
      throw new BrokerError('DENIED', 'access denied', { backend: 'file' });
    });
    const resolver = resolverFor(factory, { retries: 5 });
    await expect(resolver.resolve(spec('NOPE', 'file:nope'))).rejects.toThrow('file: access denied');
    expect(probe.calls).toHaveLength(1);
  });

  it('does not cache failures: a later request fetches again', async () => {
    let fail = true;
    const { factory, probe } = fileBackend(async () => {
      if (fail) {
        throw new BrokerError('DENIED', 'not yet', { backend: 'file' });
      }
      return 'CANARY_later';
    });
    const resolver = resolverFor(factory);
    await expect(resolver.resolve(spec('LATER', 'file:later'))).rejects.toThrow();
    fail = false;
    await expect(resolver.resolve(spec('LATER', 'file:later')).then((v) => v.reveal())).resolves.toBe('CANARY_later');
    expect(probe.calls).toHaveLength(2);
  });

  it('wraps a foreign error without quoting its message', async () => {
    const { factory } = fileBackend(async () => {
      throw new TypeError('CANARY_leaky_message');
    });
    const error = await resolverFor(factory)
      .resolve(spec('X', 'file:x'))
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('file: fetch "file:x": unexpected TypeError');
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('refuses network credentials while egress is off, before loading any backend', async () => {
    const resolver = createResolver({ backends: {}, baseDir: '/', env: {}, egressEnabled: false, log: quiet });
    await expect(resolver.resolve(spec('DB', 'vault:secret/db#url'))).rejects.toThrow(
      'vault: resolve "vault:secret/db#url": DB needs https://127.0.0.1:8200 but egress is disabled. Set CREDENTIAL_BROKER_EGRESS=1 (the CLI also takes --egress)'
    );
    expect(resolver.fetches).toBe(0);
  });

  it('reports a missing field by name, listing the available ones', async () => {
    const { factory } = fileBackend(async () => JSON.stringify({ url: 'CANARY_u', user: 'CANARY_n' }));
    const error = await resolverFor(factory)
      .resolve(spec('PW', 'file:db.json#password'))
      .catch((e: unknown) => e);
    expect(isBrokerError(error) && error.code).toBe('FIELD_NOT_FOUND');
    expect((error as Error).message).not.toContain('CANARY');
  });
});
