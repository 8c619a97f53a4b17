import { type Scrubber, ScrubbingWriter } from '../scrub/index.js';

type Write = NodeJS.WriteStream['write'];
type Callback = (error?: Error | null) => void;

/**
 * @internal Replaces `stream.write` with one that scrubs through `current()` across chunk boundaries: a value written
 * in pieces is caught because a little output is held back while it could be the start of one. When `current()`
 * returns another scrubber, what the old one held is passed on first. Writes report success at once (a held-back
 * piece has no backpressure to report), and a write callback runs on the next tick.
 * Returns a flush that passes on what is held back; when to call it (end of a test file, exit) is the runner's call.
 */
export function scrubStreamWrites(stream: NodeJS.WriteStream, current: () => Scrubber): () => void {
  const write = stream.write.bind(stream) as (chunk: Buffer | string) => boolean;
  let scrubber = current();
  let writer = new ScrubbingWriter(scrubber, (chunk) => write(chunk));
  stream.write = ((chunk: string | Uint8Array, encoding?: BufferEncoding | Callback, callback?: Callback) => {
    const latest = current();
    if (latest !== scrubber) {
      writer.flush();
      scrubber = latest;
      writer = new ScrubbingWriter(scrubber, (piece) => write(piece));
    }
    writer.write(chunk, typeof encoding === 'string' ? encoding : 'utf8');
    const done = typeof encoding === 'function' ? encoding : callback;
    if (done !== undefined) {
      process.nextTick(done);
    }
    return true;
  }) as Write;
  return () => writer.flush();
}
