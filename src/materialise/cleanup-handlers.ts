import { writeSync } from 'node:fs';

/** @public The signals after which scratch files are wiped before the process goes down. */
export const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** @public */
export type CleanupSignal = (typeof CLEANUP_SIGNALS)[number];

interface Registry {
  readonly callbacks: Set<() => void>;
  listeners: { readonly exit: () => void; readonly signal: NodeJS.SignalsListener } | undefined;
  /** The grace periods of the open {@link deferWipeOnFirstSignal} holds. */
  readonly holds: Set<{ readonly graceMs: number }>;
  /** Started by the first signal under a hold: the wipe that runs when the grace period is over. */
  grace: NodeJS.Timeout | undefined;
}

// One registry per process, not per module copy: the ESM and CJS builds, or a runner's module graph reloaded,
// must not install competing handlers (each would see the other as "another listener" and none would re-raise).
const REGISTRY_KEY = Symbol.for('credential-broker.materialise.cleanup-registry.v1');

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  let found = holder[REGISTRY_KEY];
  if (found === undefined) {
    found = { callbacks: new Set(), listeners: undefined, holds: new Set(), grace: undefined };
    holder[REGISTRY_KEY] = found;
  }
  return found;
}

/**
 * @public Runs `wipeSync` when the process ends: on `exit` (normal end, `process.exit()`, an uncaught error)
 * and on SIGINT, SIGTERM and SIGHUP. Returns a function that uninstalls it (idempotent).
 *
 * All installs share one process-wide set of listeners, so every scratch root in the process is wiped.
 * After a signal, the callbacks run first. Then:
 * - if the process has no other listener for that signal, ours are removed and the same signal is raised again,
 *   so the process dies with the default disposition, exactly as it would have without us (exit status
 *   128 + n, `signal` set for the parent);
 * - if another listener exists (Vitest's main process adds `process.once('SIGINT')` and exits on its own),
 *   we only wipe and leave the exit to it. Our signal listener is prepended so that it still sees such `once`
 *   listeners. If those listeners keep the process alive, the process continues with its scratch roots wiped.
 *
 * `wipeSync` must be synchronous: `exit` listeners cannot await. Errors it throws are written to stderr (one
 * line) and do not stop the other callbacks.
 */
export function installCleanupHandlers(wipeSync: () => void): () => void {
  const reg = registry();
  // A fresh wrapper per install, so installing the same function twice needs two uninstalls.
  const entry = (): void => wipeSync();
  reg.callbacks.add(entry);
  attachListeners(reg);
  let installed = true;
  return () => {
    if (!installed) {
      return;
    }
    installed = false;
    reg.callbacks.delete(entry);
    if (reg.callbacks.size === 0) {
      detachListeners(reg);
    }
  };
}

/**
 * @internal While a hold is open, the first cleanup signal does not wipe at once: the holder (`credential-broker run`)
 * has its own listener that forwards the signal to a child, which may still read its files while it shuts down (a
 * teardown that logs out with its token), and it ends the session when the child has exited. A second signal, or
 * `graceMs` after the first, wipes as usual. Returns the release (idempotent), which also stops the grace timer.
 */
export function deferWipeOnFirstSignal(graceMs: number): () => void {
  const reg = registry();
  const hold = { graceMs };
  reg.holds.add(hold);
  return () => {
    if (reg.holds.delete(hold) && reg.holds.size === 0 && reg.grace !== undefined) {
      clearTimeout(reg.grace);
      reg.grace = undefined;
    }
  };
}

/** @internal How many cleanup callbacks are installed in this process (for tests and diagnostics). */
export function installedCleanupCount(): number {
  return registry().callbacks.size;
}

function attachListeners(reg: Registry): void {
  if (reg.listeners !== undefined) {
    return;
  }
  const exit = (): void => runCallbacks(reg);
  const signal = (name: NodeJS.Signals): void => {
    // Count only foreign listeners: a wipe may uninstall the last callback and detach us.
    const others = () => process.listeners(name).filter((listener) => listener !== signal).length;
    if (reg.holds.size > 0 && reg.grace === undefined && others() > 0) {
      const graceMs = Math.min(...[...reg.holds].map((hold) => hold.graceMs));
      reg.grace = setTimeout(() => runCallbacks(reg), graceMs).unref();
      return;
    }
    runCallbacks(reg);
    if (others() > 0) {
      return;
    }
    detachListeners(reg);
    // With no listener left Node restores the default disposition, so this ends the process by `name`.
    process.kill(process.pid, name);
  };
  reg.listeners = { exit, signal };
  process.on('exit', exit);
  for (const name of CLEANUP_SIGNALS) {
    process.prependListener(name, signal);
  }
}

function detachListeners(reg: Registry): void {
  const listeners = reg.listeners;
  if (listeners === undefined) {
    return;
  }
  reg.listeners = undefined;
  process.removeListener('exit', listeners.exit);
  for (const name of CLEANUP_SIGNALS) {
    process.removeListener(name, listeners.signal);
  }
}

function runCallbacks(reg: Registry): void {
  // A second signal wipes now; the grace timer of the first has nothing left to do.
  clearTimeout(reg.grace);
  const callbacks = [...reg.callbacks];
  reg.callbacks.clear();
  for (const callback of callbacks) {
    try {
      callback();
    } catch (error) {
      // Exit listeners cannot log asynchronously; a synchronous write to fd 2 is what still gets out.
      const message = error instanceof Error ? error.message : 'unknown error';
      try {
        writeSync(2, `credential-broker: cleanup failed: ${message}\n`);
      } catch {
        // stderr is closed: nothing else to do.
      }
    }
  }
}
