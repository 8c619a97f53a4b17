import { BROKER_ERROR_CODES, BrokerError, type BrokerErrorCode } from '../errors.js';
import type { Grant } from '../session/types.js';

/**
 * The private channel between a run's main process and its workers: newline-delimited JSON over a Unix socket
 * that lives inside the 0700 scratch root, plus a random token. Only this user's processes can reach the socket,
 * and only those that were handed the token may ask.
 */
export interface AcquireRequest {
  readonly v: 1;
  readonly token: string;
  readonly op: 'acquire';
  /** Absolute path of the test file asking (its docblock is part of what it may ask for). */
  readonly file: string | undefined;
  readonly names: readonly string[];
}

export type Response =
  | { readonly ok: true; readonly grants: readonly Grant[] }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Upper bound of one message in UTF-8 bytes; a value larger than this is not a credential. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * @internal Splits the channel's byte stream into messages, one JSON text per line. Works on bytes, so the cap is
 * in bytes whatever the characters, and a character split across reads is decoded whole (a UTF-8 multi-byte
 * sequence never contains the newline byte).
 */
export class LineReader {
  readonly #max: number;
  #pending: Buffer[] = [];
  #size = 0;

  constructor(max = MAX_MESSAGE_BYTES) {
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
      this.#pending.push(rest);
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
