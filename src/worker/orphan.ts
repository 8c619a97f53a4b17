const WATCHING = Symbol.for('credential-broker.worker.orphan-watch.v1');

// How long after the channel closes the parent is looked for: the kernel re-parents an orphan just after its
// parent's descriptors close, so the first look may still see the old parent.
const LOOKS = 20;
const LOOK_EVERY_MS = 50;

/**
 * @internal A worker that holds credentials must not outlive its runner. Killed by a signal, Vitest's and Jest's main
 * processes wipe the scratch root but tell no worker: a fork kept running its test for as long as it liked, the values
 * in its memory and environment, and what it wrote then was never scanned (found by an attack on the packed package,
 * 2026-12-07). From its first claim on, a worker with an IPC channel to its runner exits when that channel closes
 * because the runner is gone (its parent changed); a runner that closes the channel of a live worker on purpose is left
 * alone. Once per process.
 */
export function exitWhenOrphaned(): void {
  const holder = globalThis as unknown as Record<symbol, true | undefined>;
  if (holder[WATCHING] || process.connected !== true) {
    return;
  }
  holder[WATCHING] = true;
  const parent = process.ppid;
  process.once('disconnect', () => {
    let looks = 0;
    const look = (): void => {
      if (process.ppid !== parent) {
        // The exit handlers wipe what this worker still holds.
        process.exit(1);
      }
      if (++looks < LOOKS) {
        setTimeout(look, LOOK_EVERY_MS).unref();
      }
    };
    look();
  });
}
