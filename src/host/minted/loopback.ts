/**
 * What the per-test credential endpoints share (AWS container credentials, the GCE metadata server, the Azure
 * managed-identity endpoint): an HTTP server on 127.0.0.1 and a fresh port that never keeps the run alive, a close
 * that ends every connection and runs once, and a constant-time comparison of the secrets requests present.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** @internal A listening loopback server. */
export interface LoopbackServer {
  readonly port: number;
  /** Whether {@link close} was called: handlers refuse from then on. */
  readonly closing: boolean;
  /** Stop answering and free the port; `onClose` runs once after. Idempotent. */
  close(): Promise<void>;
  /** Settles when the close has finished. */
  readonly closed: Promise<void>;
}

/** @internal How a request is answered; `fail` answers a handler that threw (in our own words, never its cause). */
export interface LoopbackHandlers {
  handle(request: IncomingMessage, response: ServerResponse, server: LoopbackServer): Promise<void>;
  fail(response: ServerResponse, error: unknown): void;
  onClose?(): Promise<void>;
}

/** @internal Listen on 127.0.0.1, a fresh port per call. */
export async function listenLoopback(handlers: LoopbackHandlers): Promise<LoopbackServer> {
  let done: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    done = resolve;
  });
  let closing: Promise<void> | undefined;
  // Loaded on the first endpoint, not with the session: most runs mint nothing.
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    handlers.handle(request, response, loopback).catch((error: unknown) => handlers.fail(response, error));
  });
  const loopback: LoopbackServer = {
    port: 0,
    get closing() {
      return closing !== undefined;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })
        .then(() => handlers.onClose?.())
        .catch(() => {})
        .then(done);
      return closing;
    },
    closed,
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  // An endpoint must never keep the run alive on its own.
  server.unref();
  return Object.assign(loopback, { port: (server.address() as AddressInfo).port });
}

/** @internal Whether a request header holds exactly `secret`, compared in constant time. */
export function sameSecret(value: string | string[] | undefined, secret: string): boolean {
  const given = Buffer.from(String(value ?? ''));
  const expected = Buffer.from(secret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
