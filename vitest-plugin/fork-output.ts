import type { Writable } from 'node:stream';
import type { Vitest } from 'vitest/node';
import { createScrubStream } from '../src/scrub/index.js';
import type { BrokerHost } from './host.js';

/*
 * Why here and not in the worker: a test's child process with inherited stdio, or `fs.writeSync(1, …)`, writes
 * into the fork's stdout pipe past any `process.stdout.write` wrapper, and the main process reads that pipe in
 * whatever pieces the kernel hands it (64 KiB reads, or two writes 300 ms apart). Vitest pipes each fork's stdout
 * and stderr into its logger's streams (`ForksPoolWorker.start`); we give each fork its own scrubbing stream in
 * between, so the hold-back state follows one source stream and a value cut by a read boundary is still caught.
 */

interface ForkWorker {
  stdout: Writable;
  stderr: Writable;
  _fork?: unknown;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type ForkWorkerClass = { prototype: ForkWorker };

const PATCHED = Symbol.for('credential-broker.vitest.fork-output.v1');
const SINKS = Symbol.for('credential-broker.vitest.fork-sinks.v1');

const TARGETS = Symbol('targets');
const OWN_SINKS = Symbol('sinks');
type Interposed = ForkWorker & { [OWN_SINKS]?: Writable[]; [TARGETS]?: [Writable, Writable] };

type Holder = Record<symbol, WeakMap<Writable, BrokerHost> | undefined>;

// Keyed by the logger's output stream, which each fork worker copies in its constructor: the worker keeps no
// other reference to its Vitest instance.
function hostsByStream(): WeakMap<Writable, BrokerHost> {
  const holder = globalThis as unknown as Holder;
  holder[SINKS] ??= new WeakMap();
  return holder[SINKS];
}

/** @internal Routes every fork's stdout and stderr of this Vitest instance through its own scrubbing stream. */
export async function scrubForkOutput(vitest: Vitest, host: BrokerHost): Promise<void> {
  hostsByStream().set(vitest.logger.outputStream as Writable, host);
  const node = await import('vitest/node');
  for (const worker of [node.ForksPoolWorker, node.VmForksPoolWorker] as unknown as ForkWorkerClass[]) {
    interpose(worker.prototype);
  }
}

function interpose(proto: ForkWorker & { [PATCHED]?: true }): void {
  if (proto[PATCHED]) {
    return;
  }
  proto[PATCHED] = true;
  const start = proto.start;
  const stop = proto.stop;
  proto.start = async function (this: Interposed): Promise<void> {
    const host = hostsByStream().get(this.stdout);
    if (host !== undefined && this._fork === undefined) {
      const { scrubber } = await host.session();
      const targets: [Writable, Writable] = [this.stdout, this.stderr];
      const sinks = targets.map((target) => {
        const sink = createScrubStream(scrubber);
        // Not ended with the fork: the logger's streams are the terminal.
        sink.pipe(target, { end: false });
        return sink;
      });
      this[OWN_SINKS] = sinks;
      this[TARGETS] = targets;
      this.stdout = sinks[0] ?? this.stdout;
      this.stderr = sinks[1] ?? this.stderr;
    }
    return start.call(this);
  };
  proto.stop = async function (this: Interposed): Promise<void> {
    await stop.call(this);
    const targets = this[TARGETS];
    if (targets !== undefined) {
      [this.stdout, this.stderr] = targets;
    }
    // Vitest unpipes the fork after it exits, possibly before the pipe's end reached the sink: end it ourselves,
    // which releases what it still held (scrubbed), then the next start gets fresh sinks.
    for (const sink of this[OWN_SINKS] ?? []) {
      if (!sink.writableEnded) {
        sink.end();
      }
    }
  };
}
