import type net from 'node:net';
import { judge } from './state.js';

/** @internal The proxy HTTP(S)_PROXY points at (host and port), if any. */
export function proxyOf(env: Readonly<Record<string, string | undefined>>): { host: string; port: number } | undefined {
  const raw = env['HTTPS_PROXY'] ?? env['https_proxy'] ?? env['HTTP_PROXY'] ?? env['http_proxy'];
  if (raw === undefined || raw === '') {
    return undefined;
  }
  try {
    const url = new URL(raw.includes('://') ? raw : `http://${raw}`);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
  } catch {
    return undefined;
  }
}

const WATCHED = Symbol('credential-broker.guard.proxy');

/**
 * @internal Judge a proxied connection by its first request line — `CONNECT host:port` (HTTPS, tunnels) or an
 * absolute URI (`GET http://host:port/…`) — before it is written; strict refuses it without sending a byte.
 */
export function watchProxyTarget(socket: net.Socket): void {
  const holder = socket as net.Socket & { [WATCHED]?: true };
  if (holder[WATCHED]) {
    return;
  }
  holder[WATCHED] = true;
  const write = socket.write;
  let judged = false;
  socket.write = function guardedWrite(this: net.Socket, ...args: unknown[]): boolean {
    if (!judged) {
      judged = true;
      const target = requestTarget(args[0]);
      const refused = target === undefined ? undefined : judge(target.host, target.port, 'proxy');
      if (refused !== undefined) {
        process.nextTick(() => this.destroy(refused));
        return false;
      }
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof socket.write;
}

/** @internal The target of a proxy request's first line. */
export function requestTarget(chunk: unknown): { host: string; port: number | undefined } | undefined {
  const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('latin1', 0, 1024) : '';
  const connect = /^CONNECT (\[[^\]]+\]|[^\s:]+):(\d+) HTTP\//.exec(text);
  if (connect?.[1] !== undefined) {
    return { host: connect[1].replace(/^\[|\]$/g, ''), port: Number(connect[2]) };
  }
  const absolute = /^[A-Z]+ (https?:\/\/[^\s]+) HTTP\//.exec(text);
  if (absolute?.[1] === undefined) {
    return undefined;
  }
  try {
    const url = new URL(absolute[1]);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
  } catch {
    return undefined;
  }
}
