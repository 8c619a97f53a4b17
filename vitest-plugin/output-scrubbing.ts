import type { Scrubber } from '../src/scrub/index.js';
import { scrubStreamWrites } from '../src/worker/index.js';

const WRAPPED = Symbol.for('credential-broker.vitest.output');

type Marked = NodeJS.WriteStream & { [WRAPPED]?: () => void };

/**
 * @internal Raw `process.stdout`/`stderr` writes in a worker reach the main process through a pipe, past Vitest's
 * console capture and every reporter, so the worker scrubs them itself — across chunk boundaries, since a value
 * can be written in pieces. Installed once per process (with `isolate: false` the setup file runs for each file).
 * Returns a flush that passes on what is held back; call it when a test file ends.
 */
export function scrubWorkerOutput(scrubber: Scrubber): () => void {
  const flushes = [process.stdout, process.stderr].map((stream) => {
    const marked = stream as Marked;
    const existing = marked[WRAPPED];
    if (existing !== undefined) {
      return existing;
    }
    const flush = scrubStreamWrites(stream, () => scrubber);
    marked[WRAPPED] = flush;
    process.once('exit', flush);
    return flush;
  });
  return () => {
    for (const flush of flushes) {
      flush();
    }
  };
}
