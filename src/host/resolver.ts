import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { loadBackendFactory, settingsScheme } from '../backends/registry.js';
import type { CredentialSpec } from '../config/normalise.js';
import type { BrokerConfig } from '../config/schema.js';
import type { AuditSink, Backend, BackendFactory, Logger, SecretDocument } from '../contract/backend.js';
import { endpointOf } from '../egress/endpoint.js';
import { BrokerError, isBrokerError } from '../errors.js';
import { documentKey, formatRef } from '../ref/index.js';
import type { Scheme } from '../ref/types.js';
import type { SecretValue } from '../scrub/secret-value.js';
import { createLimiter } from './limiter.js';
import { selectValue } from './select.js';

/** @public Options of {@link createResolver}. */
export interface ResolverOptions {
  readonly backends: BrokerConfig['backends'];
  readonly baseDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly egressEnabled: boolean;
  readonly log: Logger;
  /** The run's audit record: told what the backends mint and revoke. */
  readonly audit?: AuditSink;
  /** Fetches in flight at once. @default 64 */
  readonly concurrency?: number;
  /** Per-fetch timeout. @default 15000 */
  readonly timeoutMs?: number;
  /** Retries for transient failures only. @default 2 */
  readonly retries?: number;
  /** First retry delay; doubles each time. @default 200 */
  readonly retryDelayMs?: number;
  /** Injection seam: backend factories used instead of the registry (tests, custom backends). */
  readonly factories?: Partial<Record<Scheme, BackendFactory>>;
}

/** @public Resolves credentials: one fetch per secret document per run, in parallel, bounded, with timeouts. */
export interface Resolver {
  /** Resolve one credential. Throws `EGRESS_DISABLED` for a network credential while egress is off. */
  resolve(spec: CredentialSpec): Promise<SecretValue>;
  /** Backend fetches started so far (documents, not credentials). */
  readonly fetches: number;
  /** Close every backend that was loaded. */
  close(): Promise<void>;
}

/** @public */
export function createResolver(options: ResolverOptions): Resolver {
  const limit = createLimiter(options.concurrency ?? 64);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const retries = options.retries ?? 2;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const backends = new Map<Scheme, Promise<Backend>>();
  const documents = new Map<string, Promise<SecretDocument>>();
  const closing = new AbortController();
  // Every fetch in flight listens for close; there may be hundreds.
  setMaxListeners(0, closing.signal);
  let fetches = 0;

  const backendFor = (scheme: Scheme): Promise<Backend> => {
    let backend = backends.get(scheme);
    if (backend === undefined) {
      const factory = options.factories?.[scheme];
      backend = (factory === undefined ? loadBackendFactory(scheme) : Promise.resolve(factory)).then((f) =>
        f(options.backends?.[settingsScheme(scheme)] ?? {})
      );
      // A failed load is not cached: the next credential gets a fresh attempt and the same clear error.
      backend.catch(() => backends.delete(scheme));
      backends.set(scheme, backend);
    }
    return backend;
  };

  const fetchOnce = async (spec: CredentialSpec): Promise<SecretDocument> => {
    const backend = await backendFor(spec.ref.scheme);
    const display = formatRef(spec.ref);
    for (let attempt = 0; ; attempt += 1) {
      fetches += 1;
      try {
        return await limit(() => withTimeout(backend, spec, display, timeoutMs, closing.signal, options));
      } catch (error) {
        const transient = isBrokerError(error) && error.transient;
        if (!transient || attempt >= retries || closing.signal.aborted) {
          throw error;
        }
        options.log.debug(`${spec.ref.scheme}: retrying "${display}" after a transient failure (${error.code})`);
        // Cut short by close: a closed resolver must neither fetch again nor hold the process open.
        await delay(retryDelayMs * 2 ** attempt, undefined, { signal: closing.signal }).catch(() => {});
        if (closing.signal.aborted) {
          throw error;
        }
      }
    }
  };

  return {
    get fetches() {
      return fetches;
    },
    async resolve(spec) {
      const endpoint = endpointOf(spec.ref, options.backends, options.env, options.baseDir);
      if (endpoint.kind === 'url' && !options.egressEnabled) {
        throw new BrokerError('EGRESS_DISABLED', `${spec.name} needs ${endpoint.display} but egress is disabled`, {
          backend: spec.ref.scheme,
          operation: 'resolve',
          ref: formatRef(spec.ref),
          hint: 'Set CREDENTIAL_BROKER_EGRESS=1 (the CLI also takes --egress)',
        });
      }
      const key = `${spec.ref.scheme}\u0000${documentKey(spec.ref)}`;
      let document = documents.get(key);
      if (document === undefined) {
        document = fetchOnce(spec);
        // Failures are not cached: a later test may retry after a transient outage.
        document.catch(() => documents.delete(key));
        documents.set(key, document);
      }
      return selectValue(await document, spec.ref, spec.name);
    },
    async close() {
      closing.abort();
      const loaded = await Promise.allSettled(backends.values());
      await Promise.allSettled(loaded.map((r) => (r.status === 'fulfilled' ? r.value.close?.() : undefined)));
      backends.clear();
      documents.clear();
    },
  };
}

async function withTimeout(
  backend: Backend,
  spec: CredentialSpec,
  display: string,
  timeoutMs: number,
  closing: AbortSignal,
  options: ResolverOptions
): Promise<SecretDocument> {
  const controller = new AbortController();
  const onClose = () => controller.abort();
  closing.addEventListener('abort', onClose, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new BrokerError('TIMEOUT', `no answer within ${timeoutMs} ms`, {
          backend: spec.ref.scheme,
          operation: 'fetch',
          ref: display,
          transient: true,
          hint: 'Check that the backend is reachable, or raise resolve.timeoutMs',
        })
      );
    }, timeoutMs);
  });
  try {
    const ctx = {
      signal: controller.signal,
      env: options.env,
      baseDir: options.baseDir,
      log: options.log,
      ...(options.audit === undefined ? {} : { audit: options.audit }),
    };
    // biome-ignore lint/suspicious/noExplicitAny: the registry pairs each scheme with its own backend.
    return await Promise.race([(backend as Backend<any>).fetch(spec.ref, ctx), timeout]);
  } catch (error) {
    if (isBrokerError(error)) {
      throw error;
    }
    // A backend that threw a foreign error: wrap it, keep it as cause, never quote its message (it may hold data).
    throw new BrokerError('INTERNAL', `unexpected ${error instanceof Error ? error.name : 'error'}`, {
      backend: spec.ref.scheme,
      operation: 'fetch',
      ref: display,
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    closing.removeEventListener('abort', onClose);
  }
}
