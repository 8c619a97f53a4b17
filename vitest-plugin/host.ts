import { resolve } from 'node:path';
import type { Vitest } from 'vitest/node';
import type { BrokerSession, SessionOptions } from '../src/host/index.js';
import type { CredentialBrokerPluginOptions } from './options.js';

/**
 * @internal The main-process side of one Vitest instance: its options and its one broker session.
 * The global setup is loaded by Vite's module runner, a different module instance from the plugin, so the host
 * lives on `globalThis` keyed by the Vitest instance.
 */
export interface BrokerHost {
  readonly vitest: Vitest;
  readonly options: CredentialBrokerPluginOptions;
  /** Starts the session once (later calls return the same promise). */
  session(): Promise<BrokerSession>;
  /** The session if it has started. */
  readonly started: BrokerSession | undefined;
  close(): Promise<void>;
}

const HOSTS = Symbol.for('credential-broker.vitest.hosts');

function hosts(): WeakMap<Vitest, BrokerHost> {
  const store = globalThis as { [HOSTS]?: WeakMap<Vitest, BrokerHost> };
  store[HOSTS] ??= new WeakMap();
  return store[HOSTS];
}

/** @internal The host of this Vitest instance, created on first use. */
export function hostFor(vitest: Vitest, options: CredentialBrokerPluginOptions = {}): BrokerHost {
  const existing = hosts().get(vitest);
  if (existing !== undefined) {
    return existing;
  }
  let starting: Promise<BrokerSession> | undefined;
  let started: BrokerSession | undefined;
  const host: BrokerHost = {
    vitest,
    options,
    get started() {
      return started;
    },
    session() {
      starting ??= startFor(vitest, options).then((session) => {
        started = session;
        return session;
      });
      return starting;
    },
    async close() {
      const session = started ?? (starting === undefined ? undefined : await starting.catch(() => undefined));
      await session?.close();
    },
  };
  hosts().set(vitest, host);
  return host;
}

/** @internal The host of this Vitest instance, if the plugin created one. */
export function existingHost(vitest: Vitest): BrokerHost | undefined {
  return hosts().get(vitest);
}

async function startFor(vitest: Vitest, options: CredentialBrokerPluginOptions): Promise<BrokerSession> {
  // Loaded lazily: the session pulls in config loading and the backend registry, which a worker importing
  // `credential-broker/vitest` for the `test` fixture must not pay for.
  const { startSession } = await import('../src/host/index.js');
  const root = vitest.config.root;
  const sessionOptions: SessionOptions = {
    cwd: root,
    ...(options.configFile === undefined ? {} : { configFile: resolve(root, options.configFile) }),
    ...(options.config === undefined ? {} : { config: options.config }),
    ...(options.egress === undefined ? {} : { egress: options.egress }),
  };
  return startSession(sessionOptions);
}
