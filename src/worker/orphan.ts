import { setInterval } from 'node:timers';

const WATCHING = Symbol.for('credential-broker.worker.orphan-watch.v1');

// How often the parent is looked for: a getppid(2) a second.
const LOOK_EVERY_MS = 1000;

/**
 * @internal A worker that holds credentials must not outlive its runner. Killed by a signal, Vitest's and Jest's main
 * processes wipe the scratch root but tell no worker: a fork kept running its test for as long as it liked, the values
 * in its memory and environment, and what it wrote then was never scanned (found by an attack on the packed package,
 * 2026-12-07). From its first claim on, a worker that its runner started exits when its parent changes (the runner is
 * gone and the worker was re-parented). Looked at on an unreferenced timer, not on the IPC channel's `disconnect`: a
 * `disconnect` listener keeps the channel referenced, so a jest-worker child told to end would not exit by itself
 * (jest-worker then waits 500 ms and kills it). Once per process; the real timer, not one a test faked.
 */
export function exitWhenOrphaned(): void {
  const holder = globalThis as unknown as Record<symbol, true | undefined>;
  if (holder[WATCHING] || process.connected !== true) {
    return;
  }
  holder[WATCHING] = true;
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) {
      // The exit handlers wipe what this worker still holds.
      process.exit(1);
    }
  }, LOOK_EVERY_MS).unref();
}
