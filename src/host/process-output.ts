import type { Scrubber } from '../scrub/index.js';

type Write = NodeJS.WriteStream['write'];
type Marked = NodeJS.WriteStream & { [WRAPPED]?: true };

const WRAPPED = Symbol.for('credential-broker.main-output');

/**
 * @internal Scrubs what this process itself writes to its stdout and stderr — the runner's main process: what
 * reporters render, what workers' children wrote to their inherited pipes, and what the user's own code there prints
 * (a fake API server started in a global setup logs the requests tests make). Per write, holding nothing back: the
 * runner exits the process itself, and its terminal renderer redraws in place. `current()` is read at each write (a
 * watch-mode rerun has a new session). Installed once per process.
 */
export function scrubProcessOutput(current: () => Scrubber | undefined): void {
  for (const stream of [process.stdout, process.stderr]) {
    const marked = stream as Marked;
    if (marked[WRAPPED]) {
      continue;
    }
    marked[WRAPPED] = true;
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const scrubber = current();
      if (scrubber !== undefined && typeof chunk === 'string') {
        return write(scrubber.scrub(chunk), ...rest);
      }
      if (scrubber !== undefined && chunk instanceof Uint8Array) {
        return write(scrubber.scrubBuffer(chunk), ...rest);
      }
      return write(chunk, ...rest);
    }) as Write;
  }
}
