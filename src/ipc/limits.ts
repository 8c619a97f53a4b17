/**
 * @internal The channel's bounds. Every client of the socket is treated as hostile until its `hello` proved it holds
 * a ticket or key: before that it may send one short line within a short time; after, its lines, requests and
 * unsent answers are capped. Over a cap the connection is closed; no other connection is slowed.
 */
export interface ChannelLimits {
  /** Open connections at once; a connection over it is closed at accept. */
  readonly maxConnections: number;
  /** Connections still without a valid `hello`; over it the oldest of them is closed. */
  readonly maxUnauthenticated: number;
  /** Bytes of the `hello` line, newline excluded. */
  readonly helloBytes: number;
  /** Time to present a `hello` after connecting. */
  readonly handshakeMs: number;
  /** Time an authenticated connection may sit with no request in flight. */
  readonly idleMs: number;
  /** Bytes of one request line after `hello`. */
  readonly lineBytes: number;
  /** Requests received and not yet answered, per connection. */
  readonly inFlight: number;
  /** Bytes held in unfinished lines over all connections. */
  readonly bufferedBytes: number;
}

export const DEFAULT_CHANNEL_LIMITS: ChannelLimits = {
  maxConnections: 256,
  maxUnauthenticated: 32,
  helloBytes: 512,
  handshakeMs: 10_000,
  idleMs: 60_000,
  lineBytes: 1024 * 1024,
  inFlight: 4,
  bufferedBytes: 32 * 1024 * 1024,
};
