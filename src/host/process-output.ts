import type { Scrubber } from '../scrub/index.js';
import { type FdSink, scrubFdWrites } from './fd-writes.js';

type Write = NodeJS.WriteStream['write'];
type Marked = NodeJS.WriteStream & { [WRAPPED]?: true };

const WRAPPED = Symbol.for('credential-broker.main-output');

/**
 * @internal Scrubs what this process itself writes to its stdout and stderr — the runner's main process: what
 * reporters render, what workers' children wrote to their inherited pipes, and what the user's own code there prints
 * (a fake API server started in a global setup logs the requests tests make). Per write, holding nothing back: the
 * runner exits the process itself, and its terminal renderer redraws in place. `current()` is read at each write (a
 * watch-mode rerun has a new session). Installed once per process.
 *
 * Writes to fd 1 and 2 made with `fs.writeSync` / `fs.write` (pino and sonic-boom log so) go through the same
 * per-stream writer, so they come out scrubbed and in order with the stream's own writes.
 */
export function scrubProcessOutput(current: () => Scrubber | undefined): void {
  const sinks = new Map<number, FdSink>();
  for (const [fd, stream] of [
    [1, process.stdout],
    [2, process.stderr],
  ] as const) {
    const marked = stream as Marked;
    if (marked[WRAPPED]) {
      continue;
    }
    marked[WRAPPED] = true;
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    const sink = (chunk: unknown, ...rest: unknown[]): boolean => {
      const scrubber = current();
      if (scrubber !== undefined && typeof chunk === 'string') {
        return passOn(() => write(scrubber.scrub(chunk), ...rest));
      }
      if (scrubber !== undefined && chunk instanceof Uint8Array) {
        return passOn(() => write(scrubber.scrubBuffer(chunk), ...rest));
      }
      return passOn(() => write(chunk, ...rest));
    };
    stream.write = sink as Write;
    sinks.set(fd, { write: (bytes) => sink(bytes), active: () => current() !== undefined });
  }
  if (sinks.size > 0) {
    scrubFdWrites(sinks, () => passing > 0);
  }
}

// Set while a stream's own write runs: a stream on a file (SyncWriteStream) writes with `fs.writeSync(fd)` itself,
// and those bytes are scrubbed already.
let passing = 0;

function passOn(write: () => boolean): boolean {
  passing++;
  try {
    return write();
  } finally {
    passing--;
  }
}
