import { Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { DecimalRunHold } from './decimal-hold.js';
import { ScanSession } from './scan-session.js';
import type { Scrubber } from './scrubber.js';

/** @public Default pause after which held-back output that cannot be part of a value is written out. */
export const DEFAULT_IDLE_FLUSH_MS = 50;

/*
 * Hold-back policy. A write hands out everything that can no longer become part of a match; what is
 * held is the automaton's current depth (the longest tail that is still a prefix of some form), a
 * match that a longer form could still extend, and a tail that might be cut by an ellipsis.
 * An idle pause must not release any of that: a program that prints a value in two writes with a
 * pause between them would leak the first part. The idle flush therefore only releases what is
 * held for tidiness — a partial escape sequence or UTF-8 character. A progress line without a
 * newline still shows up at once, minus at most the few characters that begin some form; they
 * appear with the next output, or at the end of the stream.
 */

/** @public */
export interface ScrubStreamOptions {
  /**
   * Pause (ms) after which a partial escape sequence or UTF-8 character held at the end of the
   * input is written out; `0` disables the timer.
   * @defaultValue {@link DEFAULT_IDLE_FLUSH_MS} (50)
   */
  readonly idleFlushMs?: number;
}

/**
 * @public A Transform that scrubs a byte stream (a child's stdout, say) across chunk boundaries.
 * It outputs Buffers; strings written to it are encoded as UTF-8 first. Values added to the
 * scrubber while the stream runs apply from the bytes it still holds.
 */
export function createScrubStream(scrubber: Scrubber, options: ScrubStreamOptions = {}): Transform {
  const idleMs = options.idleFlushMs ?? DEFAULT_IDLE_FLUSH_MS;
  const feeder = new SessionFeeder(scrubber);
  let timer: NodeJS.Timeout | undefined;
  const clearTimer = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
  };
  const stream: Transform = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
      clearTimer();
      try {
        pushAll(stream, feeder.write(chunk));
      } catch (error) {
        callback(error as Error);
        return;
      }
      if (idleMs > 0 && feeder.pending > 0) {
        timer = setTimeout(() => {
          timer = undefined;
          pushAll(stream, feeder.flushIdle());
        }, idleMs);
        timer.unref();
      }
      callback();
    },
    flush(callback: TransformCallback): void {
      clearTimer();
      try {
        pushAll(stream, feeder.end());
      } catch (error) {
        callback(error as Error);
        return;
      }
      callback();
    },
    destroy(error: Error | null, callback: (error: Error | null) => void): void {
      clearTimer();
      callback(error);
    },
  });
  return stream;
}

// Large pieces are views of the input and go out as they are; copying them would cost as much as
// the scan. Runs of small pieces (held bytes, replacements) are merged.
const SMALL_PIECE = 4096;

function pushAll(stream: Transform, pieces: Uint8Array[]): void {
  let run: Uint8Array[] = [];
  const flushRun = (): void => {
    const out = concat(run);
    if (out !== undefined) {
      stream.push(out);
    }
    run = [];
  };
  for (const piece of pieces) {
    if (piece.length >= SMALL_PIECE) {
      flushRun();
      stream.push(asBuffer(piece));
    } else {
      run.push(piece);
    }
  }
  flushRun();
}

/** @public */
export interface ScrubbingWriterOptions extends ScrubStreamOptions {
  /**
   * What the wrapped function receives: Buffers, or UTF-8 strings (never cut inside a character).
   * @defaultValue `'buffer'`
   */
  readonly output?: 'buffer' | 'string';
}

/**
 * @public Wraps a `write(chunk)` function — typically the real `process.stdout.write` of a test
 * worker — so that everything passed through {@link ScrubbingWriter.write} reaches it scrubbed, with
 * the same hold-back as {@link createScrubStream}. Call {@link ScrubbingWriter.flush} before the
 * process exits, or held bytes are lost.
 */
export class ScrubbingWriter {
  readonly #feeder: SessionFeeder;
  readonly #sink: (chunk: Buffer | string) => unknown;
  readonly #idleMs: number;
  readonly #decoder: StringDecoder | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(scrubber: Scrubber, write: (chunk: Buffer | string) => unknown, options: ScrubbingWriterOptions = {}) {
    this.#feeder = new SessionFeeder(scrubber);
    this.#sink = write;
    this.#idleMs = options.idleFlushMs ?? DEFAULT_IDLE_FLUSH_MS;
    // An idle flush may release half a character; the decoder keeps it for the next piece.
    this.#decoder = options.output === 'string' ? new StringDecoder('utf8') : undefined;
  }

  /** Bytes received and not yet passed on. */
  get pending(): number {
    return this.#feeder.pending;
  }

  /** Scrubs `chunk` and passes on what is final. Strings are encoded with `encoding` (UTF-8 by default). */
  write(chunk: string | Uint8Array, encoding: BufferEncoding = 'utf8'): void {
    this.#clearTimer();
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    this.#emit(this.#feeder.write(bytes));
    if (this.#idleMs > 0 && this.#feeder.pending > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#emit(this.#feeder.flushIdle());
      }, this.#idleMs);
      this.#timer.unref();
    }
  }

  /** End of output: passes on everything held (a value cut off at this point is not redacted). */
  flush(): void {
    this.#clearTimer();
    this.#emit(this.#feeder.end());
    const rest = this.#decoder?.end();
    if (rest) {
      this.#sink(rest);
    }
  }

  #emit(pieces: Uint8Array[]): void {
    const out = concat(pieces);
    if (out === undefined) {
      return;
    }
    if (this.#decoder === undefined) {
      this.#sink(out);
      return;
    }
    const text = this.#decoder.write(out);
    if (text.length > 0) {
      this.#sink(text);
    }
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}

// Keeps one session in step with the scrubber's automaton, which changes when values are added; what the session
// hands out goes through the decimal-run hold-back.
class SessionFeeder {
  readonly #scrubber: Scrubber;
  readonly #decimal: DecimalRunHold;
  #session: ScanSession | undefined;

  constructor(scrubber: Scrubber) {
    this.#scrubber = scrubber;
    this.#decimal = new DecimalRunHold(scrubber);
  }

  get pending(): number {
    return (this.#session?.pending ?? 0) + this.#decimal.pending;
  }

  write(chunk: Uint8Array): Uint8Array[] {
    return this.#decimal.pass(this.#current().write(chunk), 'write');
  }

  // Nothing ever written, nothing to release: no automaton is compiled for it (a test file's end flushes every
  // stream, and most test files write nothing to them).
  flushIdle(): Uint8Array[] {
    return this.#session === undefined ? [] : this.#decimal.pass(this.#current().flushIdle(), 'idle');
  }

  end(): Uint8Array[] {
    return this.#session === undefined ? [] : this.#decimal.pass(this.#current().end(), 'end');
  }

  #current(): ScanSession {
    const compiled = this.#scrubber.compiled();
    if (this.#session === undefined) {
      this.#session = new ScanSession(compiled.automaton, compiled.replacements, compiled.truncatedMinLength);
    } else {
      this.#session.setAutomaton(compiled.automaton, compiled.replacements);
    }
    return this.#session;
  }
}

function concat(pieces: Uint8Array[]): Buffer | undefined {
  if (pieces.length === 0) {
    return undefined;
  }
  if (pieces.length === 1) {
    const only = pieces[0]!;
    return only.length === 0 ? undefined : asBuffer(only);
  }
  const out = Buffer.concat(pieces);
  return out.length === 0 ? undefined : out;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
