import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

/** @internal The scrubbing writer of one of this process's streams (stdout for fd 1, stderr for fd 2). */
export interface FdSink {
  /** Scrubs and passes the bytes on to the stream's own write. */
  readonly write: (bytes: Uint8Array) => boolean;
  /** Whether there is a scrubber at all: until there is, writes go to fs untouched. */
  readonly active: () => boolean;
}

type WriteSync = (fd: number, data: unknown, ...rest: unknown[]) => number;
type WriteAsync = (fd: number, data: unknown, ...rest: unknown[]) => void;
type Done = (error: NodeJS.ErrnoException | null, written: number, data: unknown) => void;
/** The bytes a write call asks for, from its data and the arguments after it (undefined: fs rejects the call). */
type BytesOf = (data: unknown, args: readonly unknown[]) => Uint8Array | undefined;

const PATCHED = Symbol.for('credential-broker.fd-writes');
// Kept on globalThis: each bundle of the package (Jest's global setup, its reporter) has its own copy of this module.
const UNPATCHED = Symbol.for('credential-broker.fd-writes.unpatched');

/**
 * @internal `fs.writeSync` as it was before {@link scrubFdWrites}: for the one output that must reach fd 1 as written,
 * GitHub's `::add-mask::` commands, which hold each form of a value so that the runner can mask it in the log.
 */
export function writeSyncUnscrubbed(fd: number, text: string): number {
  const original = (globalThis as unknown as Record<symbol, WriteSync | undefined>)[UNPATCHED] ?? fs.writeSync;
  return original(fd, text);
}

/**
 * @internal Routes `fs.writeSync(fd, …)`, `fs.write(fd, …, cb)` and their `writev` kin to fd 1 and 2 through the given sinks: loggers
 * such as pino (sonic-boom) write to the descriptors themselves, past `process.stdout.write`. Every overload is
 * taken (a buffer with offset, length and position or an options object; a string with position and encoding);
 * the caller is told its full length was written, and `fs.write`'s callback gets `(null, written, data)` as Node
 * documents. A position is dropped: the bytes go where the stream's own writes go, in order with them. Other
 * descriptors, and writes made while `passing()` (a stream on a file writes its already-scrubbed bytes with
 * `fs.writeSync` itself), go to fs untouched. ES module imports of `node:fs` see the patch too. Installed once.
 */
export function scrubFdWrites(sinks: ReadonlyMap<number, FdSink>, passing: () => boolean): void {
  const target = fs as unknown as Record<PropertyKey, unknown>;
  if (target[PATCHED] === true) {
    return;
  }
  target[PATCHED] = true;
  const writeSync = fs.writeSync as unknown as WriteSync;
  (globalThis as unknown as Record<symbol, WriteSync | undefined>)[UNPATCHED] ??= writeSync;
  const sinkFor = (fd: unknown): FdSink | undefined => {
    const sink = typeof fd === 'number' && !passing() ? sinks.get(fd) : undefined;
    return sink?.active() === true ? sink : undefined;
  };
  // One shape for each pair: the bytes a call asks to write go to the sink, or the call goes to fs as it was.
  const scrubbedSync =
    (original: WriteSync, bytesIn: BytesOf): WriteSync =>
    (fd, data, ...rest) => {
      const sink = sinkFor(fd);
      const bytes = sink === undefined ? undefined : bytesIn(data, rest);
      if (sink === undefined || bytes === undefined) {
        return original(fd, data, ...rest);
      }
      sink.write(bytes);
      return bytes.byteLength;
    };
  const scrubbedAsync =
    (original: WriteAsync, bytesIn: BytesOf): WriteAsync =>
    (fd, data, ...rest) => {
      const sink = sinkFor(fd);
      const done = rest.at(-1);
      const bytes = sink === undefined || typeof done !== 'function' ? undefined : bytesIn(data, rest.slice(0, -1));
      if (sink === undefined || bytes === undefined) {
        original(fd, data, ...rest);
        return;
      }
      sink.write(bytes);
      process.nextTick(done as Done, null, bytes.byteLength, data);
    };

  target['writeSync'] = scrubbedSync(writeSync, bytesOf);
  target['write'] = scrubbedAsync(fs.write as unknown as WriteAsync, bytesOf);
  // fs.writev: what an fs.createWriteStream on fd 1 or 2 uses for queued writes. (fd, buffers, position?, cb?)
  target['writevSync'] = scrubbedSync(fs.writevSync as unknown as WriteSync, joined);
  target['writev'] = scrubbedAsync(fs.writev as unknown as WriteAsync, joined);

  syncBuiltinESMExports();
}

// The buffers of a writev as one write (a value may span two of them), or undefined for what fs rejects.
function joined(data: unknown): Uint8Array | undefined {
  if (!Array.isArray(data) || !data.every((b) => ArrayBuffer.isView(b))) {
    return undefined;
  }
  return Buffer.concat(data.map((b: ArrayBufferView) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
}

/**
 * The bytes the caller asked to write, copied (it may reuse its buffer once the call returns), or undefined for
 * data fs itself rejects (it then throws its own error). Offsets out of range throw here, never written raw.
 */
function bytesOf(data: unknown, args: readonly unknown[]): Uint8Array | undefined {
  if (typeof data === 'string') {
    // (string, position?, encoding?)
    const encoding = typeof args[1] === 'string' && Buffer.isEncoding(args[1]) ? args[1] : 'utf8';
    return Buffer.from(data, encoding);
  }
  if (!ArrayBuffer.isView(data)) {
    return undefined;
  }
  let offset: unknown = args[0];
  let length: unknown = args[1];
  if (typeof offset === 'object') {
    // (buffer, { offset, length, position }); null counts as no options, as in fs.
    const options = (offset ?? {}) as { offset?: unknown; length?: unknown };
    offset = options.offset ?? 0;
    length = options.length;
  }
  const at = typeof offset === 'number' ? offset : 0;
  const size = typeof length === 'number' ? length : data.byteLength - at;
  if (!Number.isInteger(at) || !Number.isInteger(size) || at < 0 || size < 0 || at + size > data.byteLength) {
    throw Object.assign(new RangeError('The offset and length of the write are out of range'), {
      code: 'ERR_OUT_OF_RANGE',
    });
  }
  return Buffer.from(new Uint8Array(data.buffer, data.byteOffset + at, size));
}
