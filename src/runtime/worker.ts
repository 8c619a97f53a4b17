import { resolve } from 'node:path';
import { FILE_PATH_SUFFIX } from '../config/normalise.js';
import { readCredentialPragmasFromFile } from '../docblock/index.js';
import { BrokerError } from '../errors.js';
import { requestGrants } from '../ipc/client.js';
import { applyEnv, openTaskDir } from '../materialise/index.js';
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
  const declared = new Map<string, readonly string[]>();
  // Env vars held by leases still active, per env object: concurrent tests must not share them.
  const held = new WeakMap<object, Map<string, string>>();

  return {
    handle,
    scrubber,
    declaredIn(file) {
      const path = resolve(file);
      let names = declared.get(path);
      if (names === undefined) {
        names = readCredentialPragmasFromFile(path).map((d) => d.name);
        declared.set(path, names);
      }
      return names;
    },
    async acquire({ file, taskId, names, env }) {
      const unique = [...new Set(names)];
      if (unique.length === 0) {
        return emptyLease([]);
      }
      const grants = await requestGrants(handle.socketPath, handle.token, resolve(file), unique);
      for (const g of grants) {
        if (g.status === 'ok') {
          scrubber.add(g.value, g.name);
        }
      }
      const failed = grants.find((g): g is Extract<Grant, { status: 'error' }> => g.status === 'error');
      if (failed !== undefined) {
        throw new BrokerError(failed.code as never, failed.message.replace(/^credential-broker: /, ''));
      }
      const skipped = grants.flatMap((g) => (g.status === 'skipped' ? [{ name: g.name, reason: g.reason }] : []));
      if (skipped.length > 0) {
        return emptyLease(skipped);
      }
      const ok = grants.filter((g): g is Extract<Grant, { status: 'ok' }> => g.status === 'ok');
      const vars: Record<string, string> = {};
      const values: Record<string, string> = {};
      const files: Record<string, string> = {};
      const needsDir = ok.some((g) => g.delivery !== 'env');
      const dir = needsDir ? openTaskDir(handle.scratchRoot, taskId) : undefined;
      try {
        for (const g of ok) {
          values[g.name] = g.value;
          if (g.delivery !== 'env' && dir !== undefined) {
            files[g.name] = dir.writeFile(g.fileName, g.value);
          }
          if (g.delivery === 'env' || g.delivery === 'both') {
            vars[g.envName] = g.value;
          }
          if (g.delivery === 'file') {
            vars[g.envName] = files[g.name] ?? '';
          }
          if (g.delivery === 'both') {
            vars[`${g.envName}${FILE_PATH_SUFFIX}`] = files[g.name] ?? '';
          }
        }
      } catch (error) {
        dir?.wipeSync();
        throw error;
      }
      let restoreEnv = () => {};
      if (env !== null) {
        const holders = held.get(env) ?? new Map<string, string>();
        held.set(env, holders);
        const clash = Object.keys(vars).find((name) => holders.has(name));
        if (clash !== undefined) {
          dir?.wipeSync();
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
        for (const name of Object.keys(vars)) {
          holders.set(name, taskId);
        }
        const applied = applyEnv(env, vars);
        restoreEnv = () => {
          applied.restore();
          for (const name of Object.keys(vars)) {
            holders.delete(name);
          }
        };
      }
      let released = false;
      return {
        values,
        files,
        env: vars,
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
    },
  };
}

function emptyLease(skipped: Lease['skipped']): Lease {
  return { values: {}, files: {}, env: {}, skipped, release() {} };
}
