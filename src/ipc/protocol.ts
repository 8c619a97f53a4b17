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

/** Upper bound of one message; a value larger than this is not a credential. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** @internal The broker error a worker rethrows for an error that crossed the channel as code + message. */
export function errorFromWire(code: string, message: string): BrokerError {
  const known = (BROKER_ERROR_CODES as readonly string[]).includes(code) ? (code as BrokerErrorCode) : 'INTERNAL';
  // The main process formatted the message already; only its product prefix is dropped.
  return new BrokerError(known, message.replace(/^credential-broker: /, ''));
}
