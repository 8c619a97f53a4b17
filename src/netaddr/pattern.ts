import { BlockList, isIP } from 'node:net';

/**
 * @public One entry of an egress allow list or a declared destination: an address block (`127.0.0.0/8`, `::1`), a
 * host name (`db.internal`) or every name under a domain (`*.amazonaws.com`), with an optional port (`db.internal:5432`,
 * `[::1]:8200`). Names are compared as names: the guard judges what a test asked for, before any DNS.
 */
export type AddressPattern =
  | { readonly kind: 'block'; readonly text: string; readonly list: BlockList; readonly port?: number }
  | { readonly kind: 'name'; readonly text: string; readonly name: string; readonly port?: number }
  | { readonly kind: 'suffix'; readonly text: string; readonly suffix: string; readonly port?: number };

const NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/;

/** @public Parse one pattern; a string saying what is wrong (never echoing more than the pattern) when it is not one. */
export function parseAddressPattern(input: string): AddressPattern | string {
  const text = input.trim();
  const { host, port } = splitPort(text);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    return 'the port must be a number from 1 to 65535';
  }
  const withPort = port === undefined ? {} : { port };
  const slash = host.indexOf('/');
  const address = slash === -1 ? host : host.slice(0, slash);
  const family = isIP(address);
  if (family !== 0) {
    const bits = slash === -1 ? (family === 4 ? 32 : 128) : Number(host.slice(slash + 1));
    if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128) || host.slice(slash + 1) === '') {
      return `the prefix length must be 0–${family === 4 ? 32 : 128}`;
    }
    const list = new BlockList();
    list.addSubnet(address, bits, family === 4 ? 'ipv4' : 'ipv6');
    return { kind: 'block', text, list, ...withPort };
  }
  if (slash !== -1) {
    return 'an address block is an IP address, "/" and a prefix length, such as 10.0.0.0/8';
  }
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name.startsWith('*.') && NAME.test(name.slice(2))) {
    return { kind: 'suffix', text, suffix: name.slice(1), ...withPort };
  }
  if (NAME.test(name)) {
    return { kind: 'name', text, name, ...withPort };
  }
  return 'expected an address block (127.0.0.0/8), an IP, a host name or *.domain, optionally with :port';
}

/**
 * @public The pattern of a declared destination: a URL (`postgres://db.internal:5432/app`) gives its host and its
 * port (the scheme's default port when it has a well-known one), a bare `host[:port]` gives itself.
 */
export function destinationPattern(destination: string): AddressPattern | undefined {
  if (!destination.includes('://')) {
    const parsed = parseAddressPattern(destination);
    return typeof parsed === 'string' ? undefined : parsed;
  }
  let url: URL;
  try {
    url = new URL(destination);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') {
    return undefined;
  }
  const port = url.port === '' ? DEFAULT_PORTS[url.protocol] : Number(url.port);
  const formatted = host.includes(':') ? `[${host}]` : host;
  const parsed = parseAddressPattern(port === undefined ? formatted : `${formatted}:${port}`);
  return typeof parsed === 'string' ? undefined : parsed;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };

/** @public Whether a connection to `host:port` (a name as asked, or an IP) is inside the pattern. */
export function matchesPattern(pattern: AddressPattern, host: string, port: number | undefined): boolean {
  if (pattern.port !== undefined && pattern.port !== port) {
    return false;
  }
  const name = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  const family = isIP(name);
  switch (pattern.kind) {
    case 'block':
      if (family !== 0) {
        return pattern.list.check(name, family === 4 ? 'ipv4' : 'ipv6');
      }
      // `localhost` is loopback by definition (RFC 6761): inside a block holding the loopback address.
      return isLoopbackName(name) && (pattern.list.check('127.0.0.1', 'ipv4') || pattern.list.check('::1', 'ipv6'));
    case 'name':
      return name === pattern.name;
    case 'suffix':
      return name.endsWith(pattern.suffix);
  }
}

/** @public `localhost` and its subdomains, which resolve to loopback (RFC 6761). */
export function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost');
}

// `host:port`, `[v6]:port`, a bare v6 address (no port), a block `a.b.c.d/n:port`.
function splitPort(text: string): { host: string; port?: number } {
  const bracket = /^\[([^\]]+)\](?::(\d*))?$/.exec(text);
  if (bracket?.[1] !== undefined) {
    return bracket[2] === undefined ? { host: bracket[1] } : { host: bracket[1], port: portOf(bracket[2]) };
  }
  const colons = text.split(':').length - 1;
  if (colons === 1) {
    const at = text.lastIndexOf(':');
    return { host: text.slice(0, at), port: portOf(text.slice(at + 1)) };
  }
  return { host: text };
}

function portOf(text: string): number {
  return /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
}
