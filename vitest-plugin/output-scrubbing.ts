import type { Scrubber } from '../src/scrub/index.js';
import { scrubStreamWrites } from '../src/worker/index.js';

const WRAPPED = Symbol.for('credential-broker.vitest.output');

type Write = NodeJS.WriteStream['write'];
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

/**
 * @internal The main process prints what reporters render and what workers' children wrote to their inherited
 * pipes (forks pool). Scrubbed per write, without holding anything back: Vitest exits the process itself, and its
 * terminal renderer redraws in place.
 */
export function scrubMainOutput(scrubber: Scrubber): void {
  for (const stream of [process.stdout, process.stderr]) {
    const marked = stream as Marked;
    if (marked[WRAPPED] !== undefined) {
      continue;
    }
    marked[WRAPPED] = () => {};
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string') {
        return write(scrubber.scrub(chunk), ...rest);
      }
      if (chunk instanceof Uint8Array) {
        return write(scrubber.scrubBuffer(chunk), ...rest);
      }
      return write(chunk, ...rest);
    }) as Write;
  }
}
