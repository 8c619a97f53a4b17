import net from 'node:net';
import { type GuardPolicy, judgesEveryConnection } from './policy.js';
import { proxyOf, watchProxyTarget } from './proxy.js';
import { guardState, judge, setPolicy } from './state.js';

type Connect = (this: net.Socket, ...args: unknown[]) => net.Socket;
type Lookup = (this: unknown, ...args: unknown[]) => unknown;

/**
 * @public Install the egress guard in this process (this thread) under `policy`; idempotent, a later call replaces
 * the policy. One patch at the socket layer, `net.Socket.prototype.connect`, sees every TCP connection Node makes:
 * `net.connect`, `tls.connect`, `http(s).request` agents and `fetch` (undici) all end there, with the host name as
 * asked, before DNS and before connect(2). Offline (egress off, strict), `dns.lookup` is guarded too.
 */
export function installGuard(policy: GuardPolicy): void {
  const state = setPolicy(policy);
  // Lookups are judged only offline in strict mode; patching them means loading node:dns, which costs every test
  // file's fresh worker ~2 ms, so only a policy that judges them patches them (once).
  if (judgesEveryConnection(policy) && !state.lookupsGuarded) {
    state.lookupsGuarded = true;
    guardLookups();
  }
  if (state.installed || policy.mode === 'off') {
    return;
  }
  state.installed = true;
  const original = net.Socket.prototype.connect as unknown as Connect;
  const guarded: Connect = function guardedConnect(this: net.Socket, ...args: unknown[]): net.Socket {
    const target = targetOf(args);
    if (target !== undefined) {
      const proxy = proxyOf(process.env);
      if (proxy !== undefined && sameEndpoint(proxy, target)) {
        // The proxy is only the way out; what counts is where the CONNECT (or absolute-URI request) goes.
        watchProxyTarget(this);
      } else {
        const refused = judge(target.host, target.port);
        if (refused !== undefined) {
          // Failed like a refused connection (an 'error' event): every client reports it its own way, and no
          // connect(2) happens.
          process.nextTick(() => this.destroy(refused));
          return this;
        }
      }
    }
    return original.apply(this, args);
  };
  net.Socket.prototype.connect = guarded as unknown as typeof net.Socket.prototype.connect;
}

function guardLookups(): void {
  // Loaded here, not at the top: a worker imports this module whether or not a guard is installed.
  const dns = process.getBuiltinModule('node:dns');
  const lookup = dns.lookup as unknown as Lookup;
  const guardedLookup: Lookup = function guardedLookup(this: unknown, ...args: unknown[]) {
    const refused = offlineRefusal(args[0]);
    const callback = args.at(-1);
    if (refused !== undefined && typeof callback === 'function') {
      process.nextTick(() => (callback as (error: Error) => void)(refused));
      return undefined;
    }
    return lookup.apply(this, args);
  };
  (dns as unknown as { lookup: Lookup }).lookup = guardedLookup;
  const promises = dns.promises as unknown as { lookup: Lookup };
  const lookupPromise = promises.lookup;
  promises.lookup = function guardedLookupPromise(this: unknown, ...args: unknown[]) {
    const refused = offlineRefusal(args[0]);
    return refused !== undefined ? Promise.reject(refused) : lookupPromise.apply(this, args);
  };
}

// Lookups are judged only offline: otherwise the connection that follows is judged by its name already.
function offlineRefusal(hostname: unknown): Error | undefined {
  const policy = guardState()?.policy;
  if (policy === undefined || policy.mode !== 'strict' || policy.egress || typeof hostname !== 'string') {
    return undefined;
  }
  return judge(hostname, undefined, 'dns');
}

/** @internal Host and port of a `Socket#connect` call, or undefined for a Unix socket / pipe (never off-machine). */
export function targetOf(args: readonly unknown[]): { host: string; port: number | undefined } | undefined {
  // net.connect() passes its normalised arguments as one array.
  const list = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  const [first, second] = list;
  if (first !== null && typeof first === 'object') {
    const options = first as { host?: unknown; port?: unknown; path?: unknown };
    if (typeof options.path === 'string') {
      return undefined;
    }
    return { host: typeof options.host === 'string' ? options.host : 'localhost', port: portOf(options.port) };
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { host: typeof second === 'string' ? second : 'localhost', port: portOf(first) };
  }
  return undefined;
}

function portOf(port: unknown): number | undefined {
  const n = typeof port === 'string' ? Number(port) : port;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

function sameEndpoint(a: { host: string; port: number | undefined }, b: { host: string; port: number | undefined }) {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
}
