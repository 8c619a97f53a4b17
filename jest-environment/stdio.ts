import type { Scrubber } from '../src/scrub/index.js';
import { scrubStreamWrites } from '../src/worker/index.js';

/**
 * Scrubs what reaches the process's own stdout and stderr: raw `process.stdout.write` calls from tests, and Jest's
 * verbose console, which writes immediately (verbose switches on by itself when a single test file runs).
 * Installed once per process and left in place: Jest writes "Cannot log after tests are done" after teardown,
 * and unwrapping in the wrong order would break anyone who wrapped the stream after us.
 *
 * Values written in pieces are caught across writes: a little output is held back while it could be the start of
 * a value, and passed on at the next write, after 50 ms idle, at the end of each test file, or at exit.
 */

type Stdio = { scrubber: Scrubber; readonly flushes: (() => void)[] };

const STDIO = Symbol.for('credential-broker.jest.stdio.v1');

/** @internal Scrubs this process's stdout and stderr with `scrubber` (the latest call wins). */
export function scrubProcessStdio(scrubber: Scrubber): void {
  const holder = globalThis as unknown as Record<symbol, Stdio | undefined>;
  const installed = holder[STDIO];
  if (installed !== undefined) {
    if (installed.scrubber !== scrubber) {
      flushProcessStdio();
      installed.scrubber = scrubber;
    }
    return;
  }
  const stdio: Stdio = { scrubber, flushes: [] };
  holder[STDIO] = stdio;
  for (const stream of [process.stdout, process.stderr]) {
    stdio.flushes.push(scrubStreamWrites(stream, () => stdio.scrubber));
  }
  process.once('exit', flushProcessStdio);
}

/** @internal Passes on what the worker-side scrubbing still holds back (end of a test file, exit). */
export function flushProcessStdio(): void {
  const stdio = (globalThis as unknown as Record<symbol, Stdio | undefined>)[STDIO];
  for (const flush of stdio?.flushes ?? []) {
    flush();
  }
}
