import { resolve } from 'node:path';
import { FILE_PATH_SUFFIX } from '../config/normalise.js';
import { readCredentialPragmasFromFile } from '../docblock/index.js';
import { BrokerError } from '../errors.js';
import { requestGrants } from '../ipc/client.js';
import { errorFromWire } from '../ipc/protocol.js';
import { applyEnv, openTaskDir, type TaskDir } from '../materialise/index.js';
import { Scrubber } from '../scrub/index.js';
import type { Grant, SessionHandle } from '../session/types.js';

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
}

/** @public The worker side of a run's broker. */
export interface WorkerBroker {
  readonly handle: SessionHandle;
  /** Every value this worker has received; scrub worker-side output with it. */
  readonly scrubber: Scrubber;
  /** Names declared by the test file's `@credentials` docblock. */
  declaredIn(file: string): readonly string[];
  acquire(request: AcquireRequest): Promise<Lease>;
  /**
   * {@link acquire} without a round trip: the lease when this worker already holds a grant for every name, else
   * undefined (nothing was done). Lets a caller that runs for every test stay synchronous once grants are cached.
   */
  acquireNow(request: AcquireRequest): Lease | undefined;
}

const workers = new Map<string, WorkerBroker>();

/** @public The worker's broker for a session handle (one per process and session). */
export function connectWorker(handle: SessionHandle): WorkerBroker {
  const key = `${handle.socketPath}\u0000${handle.token}`;
  let worker = workers.get(key);
  if (worker === undefined) {
    worker = createWorker(handle);
    workers.set(key, worker);
  }
  return worker;
}

function createWorker(handle: SessionHandle): WorkerBroker {
  const scrubber = new Scrubber({ minLength: handle.minScrubLength, replacement: handle.replacement });
  // Each test file's docblock, read once: its names, and which of them it declares inline (NAME=ref).
  const docblocks = new Map<string, { readonly names: readonly string[]; readonly inline: ReadonlySet<string> }>();
  const docblockOf = (path: string) => {
    let docblock = docblocks.get(path);
    if (docblock === undefined) {
      const declarations = readCredentialPragmasFromFile(path);
      docblock = {
        names: declarations.map((d) => d.name),
        inline: new Set(declarations.filter((d) => d.ref !== undefined).map((d) => d.name)),
      };
      docblocks.set(path, docblock);
    }
    return docblock;
  };
  // Env vars held by leases still active, per env object: concurrent tests must not share them.
  const held = new WeakMap<object, Map<string, string>>();
  // Grants this worker already received. The session's answer never changes within a run: for a name the config
  // declares it is the same for every file, for a file's inline NAME=ref it is that file's. So later tests, and
  // later files asking for config names, cost no round trip. Errors are not kept (a retry may cure them).
  const granted = new Map<string, Grant>();
  const keyOf = (file: string) => {
    const { inline } = docblockOf(file);
    return (name: string) => (inline.has(name) ? `${file}\u0000${name}` : name);
  };
  const cachedGrants = (file: string, names: readonly string[]): readonly Grant[] | undefined => {
    const key = keyOf(file);
    const grants: Grant[] = [];
    for (const name of names) {
      const grant = granted.get(key(name));
      if (grant === undefined) {
        return undefined;
      }
      grants.push(grant);
    }
    return grants;
  };
  const fetchGrants = async (file: string, names: readonly string[]): Promise<readonly Grant[]> => {
    const key = keyOf(file);
    const missing = names.filter((name) => !granted.has(key(name)));
    for (const g of await requestGrants(handle.socketPath, handle.token, file, missing)) {
      if (g.status === 'ok') {
        scrubber.add(g.value, g.name);
      }
      if (g.status !== 'error') {
        granted.set(key(g.name), g);
      } else {
        granted.delete(key(g.name));
        throw errorFromWire(g.code, g.message);
      }
    }
    return names.map((name) => granted.get(key(name)) as Grant);
  };
  const lease = (grants: readonly Grant[], { file, taskId, env }: AcquireRequest): Lease => {
    const skipped = grants.flatMap((g) => (g.status === 'skipped' ? [{ name: g.name, reason: g.reason }] : []));
    if (skipped.length > 0) {
      return emptyLease(skipped);
    }
    const ok = grants.filter((g): g is Extract<Grant, { status: 'ok' }> => g.status === 'ok');
    const dir = ok.some((g) => g.delivery !== 'env') ? openTaskDir(handle.scratchRoot, taskId) : undefined;
    let delivered: ReturnType<typeof deliver>;
    let restoreEnv = () => {};
    try {
      delivered = deliver(ok, dir);
      if (env !== null) {
        restoreEnv = hold(held, env, delivered.env, taskId, file);
      }
    } catch (error) {
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
        try {
          restoreEnv();
        } finally {
          dir?.wipeSync();
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
    const path = g.delivery !== 'env' && dir !== undefined ? dir.writeFile(g.fileName, g.value) : undefined;
    if (path !== undefined) {
      files[g.name] = path;
    }
    if (g.delivery === 'env' || g.delivery === 'both') {
      env[g.envName] = g.value;
    }
    if (g.delivery === 'file') {
      env[g.envName] = path ?? '';
    }
    if (g.delivery === 'both') {
      env[`${g.envName}${FILE_PATH_SUFFIX}`] = path ?? '';
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
  // Held only once applied: a rejected value must not block its names for the rest of the run.
  const applied = applyEnv(env, vars);
  for (const name of applied.names) {
    holders.set(name, taskId);
  }
  return () => {
    applied.restore();
    for (const name of applied.names) {
      holders.delete(name);
    }
  };
}

function emptyLease(skipped: Lease['skipped']): Lease {
  return { values: {}, files: {}, env: {}, skipped, release() {} };
}
