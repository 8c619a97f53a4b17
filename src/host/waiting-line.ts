/**
 * The one status line a slow resolution or mint shows: after a second without an answer, on a terminal only, one
 * line on stderr names the credentials and backends still awaited, with the elapsed time, redrawn in place a few
 * times a second and erased when nothing is awaited any more. Names and backends only: never a value.
 */

/** @internal The stream the line is drawn on: a TTY stderr, or a fake one in tests. */
export interface WaitingLineStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** @internal The clock, injectable so a test can drive the line without waiting. */
export interface WaitingLineClock {
  now(): number;
  every(ms: number, tick: () => void): () => void;
}

/** @internal Options of {@link createWaitingLine}. */
export interface WaitingLineOptions {
  readonly stream?: WaitingLineStream;
  readonly clock?: WaitingLineClock;
  /** Silent until something has been awaited this long. @default 1000 */
  readonly afterMs?: number;
  /** Redraw interval. @default 250 */
  readonly everyMs?: number;
}

/** @internal */
export interface WaitingLine {
  /** A credential starts resolving or minting; call the returned function when it is done (either way). */
  start(name: string, backend: string): () => void;
}

const CLEAR = '\r\u001b[2K';

const realClock: WaitingLineClock = {
  now: () => Date.now(),
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    // A pending fetch keeps the process alive by itself; the line must not.
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** @internal */
export function createWaitingLine(options: WaitingLineOptions = {}): WaitingLine {
  const stream = options.stream ?? process.stderr;
  const clock = options.clock ?? realClock;
  const afterMs = options.afterMs ?? 1000;
  const everyMs = options.everyMs ?? 250;
  const pending = new Map<number, { readonly label: string; readonly since: number }>();
  let next = 0;
  let stop: (() => void) | undefined;
  let drawn = false;

  const draw = () => {
    const since = Math.min(...[...pending.values()].map((p) => p.since));
    const elapsed = clock.now() - since;
    if (elapsed < afterMs) {
      // What was slow is answered; what remains is not slow yet.
      if (drawn) {
        stream.write(CLEAR);
        drawn = false;
      }
      return;
    }
    const labels = [...new Set([...pending.values()].map((p) => p.label))];
    const shown = labels.length > 3 ? [...labels.slice(0, 3), `${labels.length - 3} more`] : labels;
    stream.write(`${CLEAR}credential-broker: waiting for ${shown.join(', ')} — ${(elapsed / 1000).toFixed(1)}s`);
    drawn = true;
  };

  return {
    start(name, backend) {
      if (stream.isTTY !== true) {
        return () => {};
      }
      const id = next++;
      pending.set(id, { label: `${name} (${backend})`, since: clock.now() });
      stop ??= clock.every(everyMs, draw);
      let done = false;
      return () => {
        if (done) {
          return;
        }
        done = true;
        pending.delete(id);
        if (pending.size > 0) {
          return;
        }
        stop?.();
        stop = undefined;
        if (drawn) {
          stream.write(CLEAR);
          drawn = false;
        }
      };
    },
  };
}
