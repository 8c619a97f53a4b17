import type { Grant } from '../contract/wire.js';
import { BROKER_ERROR_CODES, BrokerError, type BrokerErrorCode } from '../errors.js';

/**
 * The private channel between a run's main process and its workers: newline-delimited JSON over a Unix socket in
 * the run's 0700 scratch root. The socket is reachable by every process of the user, so it proves nothing; what a
 * connection may ask is decided by what it presents first (its `hello`):
 * - a one-time *ticket*, which the main process handed to one worker inside the runner's own message to it (never a
 *   file, never an environment variable). The worker spends it at once on a `claim` that binds the test files it
 *   runs; the answer is a *key* for those files only;
 * - a *key*, for every later request of that worker.
 * Each request line gets one answer line; a `hello` is answered only when it is refused (then the connection ends).
 */
export const PROTOCOL_VERSION = 2;

export interface HelloFrame {
  readonly v: typeof PROTOCOL_VERSION;
  readonly op: 'hello';
  readonly ticket?: string;
  readonly key?: string;
}

export interface ClaimRequest {
  readonly v: typeof PROTOCOL_VERSION;
  readonly op: 'claim';
  /** Absolute paths of the test files the worker was given to run. */
  readonly files: readonly string[];
}

export interface AcquireRequest {
  readonly v: typeof PROTOCOL_VERSION;
  readonly op: 'acquire';
  /** Absolute path of the test file asking: one of the claimed files. */
  readonly file: string;
  readonly names: readonly string[];
}

/** What a file's docblock declares, as the main process read it: names, and which of them are inline `NAME=ref`. */
export interface FileDeclarations {
  readonly names: readonly string[];
  readonly inline: readonly string[];
}

export type Response =
  | { readonly ok: true; readonly grants: readonly Grant[] }
  | {
      readonly ok: true;
      readonly key: string;
      readonly declared: Readonly<Record<string, FileDeclarations>>;
    }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Upper bound of one answer in UTF-8 bytes (values up to the file backend's limits, several per answer). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * @internal Splits the channel's byte stream into messages, one JSON text per line. Works on bytes, so the cap is
 * in bytes whatever the characters, and a character split across reads is decoded whole (a UTF-8 multi-byte
 * sequence never contains the newline byte).
 */
export class LineReader {
  #max: number;
  #pending: Buffer[] = [];
  #size = 0;

  constructor(max = MAX_MESSAGE_BYTES) {
    this.#max = max;
  }

  /** Bytes held for an unfinished line. */
  get buffered(): number {
    return this.#size;
  }

  /** Changes the cap for the lines still to come (the server raises it once a connection has authenticated). */
  set max(max: number) {
    this.#max = max;
  }

  /** The lines this chunk completes, or undefined once a line is longer than the cap (drop the peer then). */
  push(chunk: Buffer): string[] | undefined {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      const tail = chunk.subarray(start, newline);
      if (this.#size + tail.length > this.#max) {
        return undefined;
      }
      lines.push(Buffer.concat([...this.#pending, tail]).toString('utf8'));
      this.#pending = [];
      this.#size = 0;
      start = newline + 1;
    }
    const rest = chunk.subarray(start);
    this.#size += rest.length;
    if (this.#size > this.#max) {
      return undefined;
    }
    if (rest.length > 0) {
      this.#pending.push(Buffer.from(rest));
    }
    return lines;
  }
}

/** @internal The broker error a worker rethrows for an error that crossed the channel as code + message. */
export function errorFromWire(code: string, message: string): BrokerError {
  const known = (BROKER_ERROR_CODES as readonly string[]).includes(code) ? (code as BrokerErrorCode) : 'INTERNAL';
  // The main process formatted the message already; only its product prefix is dropped.
  return new BrokerError(known, message.replace(/^credential-broker: /, ''));
}
