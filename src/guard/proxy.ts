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
  const holder = socket as net.Socket & { [WATCHED]?: true; _writeGeneric?: WriteGeneric };
  if (holder[WATCHED] || typeof holder._writeGeneric !== 'function') {
    return;
  }
  holder[WATCHED] = true;
  // Below Writable#write: http's client and undici reach the socket through it too (write, writev, corked).
  const writeGeneric = holder._writeGeneric;
  let judged = false;
  holder._writeGeneric = function guardedWrite(this: net.Socket, writev, data, encoding, callback) {
    if (!judged) {
      judged = true;
      const first = writev ? (data as readonly { chunk: unknown }[])[0]?.chunk : data;
      const target = requestTarget(first);
      const refused = target === undefined ? undefined : judge(target.host, target.port, 'proxy');
      if (refused !== undefined) {
        process.nextTick(() => this.destroy(refused));
        return;
      }
    }
    writeGeneric.call(this, writev, data, encoding, callback);
  };
}

type WriteGeneric = (this: net.Socket, writev: boolean, data: unknown, encoding: string, callback: () => void) => void;

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
