import { resolve } from 'node:path';
import { FILE_PATH_SUFFIX } from '../config/normalise.js';
import type { Grant, SessionHandle } from '../contract/wire.js';
import { BrokerError } from '../errors.js';
import { asBroker, holdCredentials } from '../guard/index.js';
import { installGuardInWorker } from '../guard/worker.js';
import { claimChannel, requestGrants, type SpareConnection } from '../ipc/client.js';
import { errorFromWire, type FileDeclarations } from '../ipc/protocol.js';
import { applyEnv, openTaskDir, processEnvReleases, type TaskDir } from '../materialise/index.js';
import { Scrubber } from '../scrub/index.js';
import { exitWhenOrphaned } from './orphan.js';

/** @public What a test receives for the duration of one task. */
export interface Lease {
  /** Credential name → value. Empty when anything was skipped. */
  readonly values: Readonly<Record<string, string>>;
  /** Credential name → absolute path of its 0600 file (delivery `file` or `both`). */
  readonly files: Readonly<Record<string, string>>;
  /** Env var name → what was set (values, or file paths for `file` delivery). */
  readonly env: Readonly<Record<string, string>>;
  /** Credentials that could not be had in this run, with the reason (egress disabled). */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  /** Restore the env exactly and wipe the files. Idempotent and synchronous. */
  release(): void;
}

/** @public Arguments of {@link WorkerBroker.acquire}. */
export interface AcquireRequest {
  /** Absolute path of the test file asking. */
  readonly file: string;
  /** Unique per test attempt; names the private directory. */
  readonly taskId: string;
  readonly names: readonly string[];
  /** The env object to set (`process.env`, or Jest's sandbox copy); null leaves the env alone. */
  readonly env: Record<string, string | undefined> | null;
  /** Who holds the lease (`file › test`), named by the egress guard's findings. @default the file */
  readonly label?: string;
}

/** @public The worker side of a run's broker, for the test files it claimed. */
export interface WorkerBroker {
  readonly handle: SessionHandle;
  /** Every value this process has received from the session; scrub worker-side output with it. */
  readonly scrubber: Scrubber;
  /** Names declared by a claimed test file's `@credentials` docblock, as the main process read it. */
  declaredIn(file: string): readonly string[];
  acquire(request: AcquireRequest): Promise<Lease>;
  /**
   * {@link acquire} without a round trip: the lease when this worker already holds a grant for every name, else
   * undefined (nothing was done). Lets a caller that runs for every test stay synchronous once grants are cached.
   */
  acquireNow(request: AcquireRequest): Lease | undefined;
}

/** What one process shares over its claims of one session: the values it received, and the grants. */
interface ProcessShare {
  readonly scrubber: Scrubber;
  /**
   * Grants already received. The session's answer never changes within a run: for a name the config declares it is
   * the same for every file, for a file's inline NAME=ref it is that file's. So later tests, and later files asking
   * for config names, cost no round trip. Errors are not kept (a retry may cure them).
   */
  readonly granted: Map<string, Grant>;
  /** Env vars held by leases still active, per env object: concurrent tests must not share them. */
  readonly held: WeakMap<object, Map<string, string>>;
}

const SHARES = Symbol.for('credential-broker.runtime.shares.v2');

// On globalThis: a runner may load this module more than once in one process (Vite's runner and Node's loader).
function shareFor(handle: SessionHandle): ProcessShare {
  const holder = globalThis as unknown as Record<symbol, Map<string, ProcessShare> | undefined>;
  holder[SHARES] ??= new Map();
  const shares = holder[SHARES];
  let share = shares.get(handle.socketPath);
  if (share === undefined) {
    share = {
      scrubber: new Scrubber({ minLength: handle.minScrubLength, replacement: handle.replacement }),
      granted: new Map(),
      held: new WeakMap(),
    };
    shares.set(handle.socketPath, share);
  }
  return share;
}

/** @internal The scrubber of every value this process received from any session so far, if any. */
export function processScrubbers(): readonly Scrubber[] {
  const shares = (globalThis as unknown as Record<symbol, Map<string, ProcessShare> | undefined>)[SHARES];
  return [...(shares?.values() ?? [])].map((share) => share.scrubber);
}

/**
 * @public Spends a one-time ticket on the test files this worker runs and returns the worker's broker for them.
 * Call it before any test code of those files runs: whoever spends a ticket first holds what it grants.
 * @throws `BrokerError('DENIED')` when the ticket was spent, or a file is not selected or already claimed.
 */
export async function claimWorker(
  handle: SessionHandle,
  ticket: string,
  files: readonly string[]
): Promise<WorkerBroker> {
  // Before any test code of these files runs, so their first connection is already watched.
  installGuardInWorker(handle.guard);
  return spendTicket(handle, ticket, files);
}

/**
 * @internal {@link claimWorker} for a runner that installed the egress guard itself (the Vitest setup file installs it
 * before the test file runs, and spends the ticket only when the file first needs a credential).
 */
export async function spendTicket(
  handle: SessionHandle,
  ticket: string,
  files: readonly string[]
): Promise<WorkerBroker> {
  const { key, declared, spare } = await claimChannel(
    handle.socketPath,
    ticket,
    files.map((f) => resolve(f))
  );
  exitWhenOrphaned();
  return createWorker(handle, key, declared, spare);
}

function createWorker(
  handle: SessionHandle,
  key: string,
  declared: Readonly<Record<string, FileDeclarations>>,
  claimConnection: SpareConnection | undefined
): WorkerBroker {
  const { scrubber, granted, held } = shareFor(handle);
  const docblockOf = (path: string) => declared[path] ?? { names: [], inline: [] };
  const keyOf = (file: string) => {
    const inline = new Set(docblockOf(file).inline);
    return (name: string) => (inline.has(name) ? `${file}\u0000${name}` : name);
  };
  const cachedGrants = (file: string, names: readonly string[]): readonly Grant[] | undefined => {
    const cacheKey = keyOf(file);
    const grants: Grant[] = [];
    for (const name of names) {
      const grant = granted.get(cacheKey(name));
      if (grant === undefined) {
        return undefined;
      }
      grants.push(grant);
    }
    return grants;
  };
  const fetchGrants = async (file: string, names: readonly string[]): Promise<readonly Grant[]> => {
    const cacheKey = keyOf(file);
    const missing = names.filter((name) => !granted.has(cacheKey(name)));
    const fresh = new Map<string, Grant>();
    // The first acquire rides the claim's connection when it follows the claim at once (claimChannel).
    const spare = claimConnection;
    claimConnection = undefined;
    for (const g of await requestGrants(handle.socketPath, key, file, missing, spare)) {
      if (g.status === 'ok') {
        // A minted grant names its secret parts; its value (an endpoint URL, an access key id) is not one.
        for (const secret of g.secrets ?? [g.value]) {
          scrubber.add(secret, g.name);
        }
      }
      if (g.status === 'ok' && g.perTest === true) {
        // Minted per test (its own endpoint, a fresh session): never handed to another test.
        fresh.set(g.name, g);
      } else if (g.status !== 'error') {
        granted.set(cacheKey(g.name), g);
      } else {
        granted.delete(cacheKey(g.name));
        throw errorFromWire(g.code, g.message);
      }
    }
    return names.map((name) => fresh.get(name) ?? (granted.get(cacheKey(name)) as Grant));
  };
  const lease = (grants: readonly Grant[], { file, taskId, env, label }: AcquireRequest): Lease => {
    const skipped = grants.flatMap((g) => (g.status === 'skipped' ? [{ name: g.name, reason: g.reason }] : []));
    if (skipped.length > 0) {
      return emptyLease(skipped);
    }
    const ok = grants.filter((g): g is Extract<Grant, { status: 'ok' }> => g.status === 'ok');
    const dir = ok.some((g) => g.delivery === 'file' || g.delivery === 'both')
      ? openTaskDir(handle.scratchRoot, taskId)
      : undefined;
    let delivered: ReturnType<typeof deliver>;
    let restoreEnv = () => {};
    const unhold = holdCredentials(
      ok.map((g) => g.name),
      label ?? file
    );
    try {
      delivered = deliver(ok, dir);
      if (env !== null) {
        restoreEnv = hold(held, env, delivered.env, taskId, file);
      }
    } catch (error) {
      unhold();
      dir?.wipeSync();
      throw error;
    }
    let released = false;
    return {
      ...delivered,
      skipped: [],
      release() {
        if (released) {
          return;
        }
        released = true;
        unhold();
        try {
          restoreEnv();
        } finally {
          dir?.wipeSync();
          closeEndpoints(ok);
        }
      },
    };
  };

  return {
    handle,
    scrubber,
    declaredIn(file) {
      return docblockOf(resolve(file)).names;
    },
    acquireNow(request) {
      const names = [...new Set(request.names)];
      if (names.length === 0) {
        return emptyLease([]);
      }
      const grants = cachedGrants(resolve(request.file), names);
      return grants === undefined ? undefined : lease(grants, request);
    },
    async acquire(request) {
      const names = [...new Set(request.names)];
      if (names.length === 0) {
        return emptyLease([]);
      }
      const file = resolve(request.file);
      return lease(cachedGrants(file, names) ?? (await fetchGrants(file, names)), request);
    },
  };
}

/** Values by name, 0600 files by name, and the env vars that announce them. */
function deliver(
  grants: readonly Extract<Grant, { status: 'ok' }>[],
  dir: TaskDir | undefined
): Pick<Lease, 'values' | 'files' | 'env'> {
  const values: Record<string, string> = {};
  const files: Record<string, string> = {};
  const env: Record<string, string> = {};
  for (const g of grants) {
    values[g.name] = g.value;
    const path =
      (g.delivery === 'file' || g.delivery === 'both') && dir !== undefined
        ? dir.writeFile(g.fileName, g.value)
        : undefined;
    if (path !== undefined) {
      files[g.name] = path;
    }
    if ((g.delivery === 'env' || g.delivery === 'both') && g.vars === undefined) {
      env[g.envName] = g.value;
    }
    if (g.delivery === 'file') {
      env[g.envName] = path ?? '';
    }
    if (g.delivery === 'both') {
      env[`${g.envName}${FILE_PATH_SUFFIX}`] = path ?? '';
    }
    if (g.vars !== undefined) {
      Object.assign(env, g.vars);
    }
  }
  return { values, files, env };
}

/** Apply `vars` to `env` for one task, refusing names another live task holds there; returns the undo. */
function hold(
  held: WeakMap<object, Map<string, string>>,
  env: Record<string, string | undefined>,
  vars: Readonly<Record<string, string>>,
  taskId: string,
  file: string
): () => void {
  const holders = held.get(env) ?? new Map<string, string>();
  held.set(env, holders);
  const clash = Object.keys(vars).find((name) => holders.has(name));
  if (clash !== undefined) {
    throw new BrokerError(
      'MATERIALISE_FAILED',
      `env var ${clash} is already set for another test running at the same time (${holders.get(clash)}); concurrent tests share one process.env`,
      {
        operation: 'acquire',
        ref: file,
        hint: 'Use the values and file paths returned by credentials() instead of process.env in concurrent tests, or run them sequentially',
      }
    );
  }
  // The process's own env is watched after release: a test's env restore may put the value back (released-env.ts).
  // Another object (Jest's sandbox env, watched by its ledger; a throwaway target) is the caller's to watch.
  const watched = env === process.env ? processEnvReleases().set(env, vars) : undefined;
  let applied: ReturnType<typeof applyEnv>;
  try {
    applied = applyEnv(env, vars);
  } catch (error) {
    watched?.();
    throw error;
  }
  // Held only once applied: a rejected value must not block its names for the rest of the run.
  for (const name of applied.names) {
    holders.set(name, taskId);
  }
  return () => {
    try {
      applied.restore();
    } finally {
      for (const name of applied.names) {
        holders.delete(name);
      }
      watched?.();
    }
  };
}

function emptyLease(skipped: Lease['skipped']): Lease {
  return { values: {}, files: {}, env: {}, skipped, release() {} };
}

/**
 * Tells each per-test endpoint of these grants that its test is over. Fire and forget (a release is synchronous):
 * the main process closes the endpoint on receipt, and at the end of the run in any case.
 */
function closeEndpoints(grants: readonly Extract<Grant, { status: 'ok' }>[]): void {
  const closing = grants.flatMap((g) => (g.close === undefined ? [] : [g.close]));
  if (closing.length === 0) {
    return; // Nothing to ask: no AsyncLocalStorage for asBroker, whose first use costs every later promise here.
  }
  // The broker's own requests to its loopback endpoints: what the file still holds (a docblock's credentials) must not
  // make the guard judge them, nor refuse them where egress.allow leaves loopback out.
  asBroker(() => {
    for (const close of closing) {
      fetch(close.url, { method: 'DELETE', headers: { authorization: close.authorization } }).catch(() => {});
    }
  });
}
