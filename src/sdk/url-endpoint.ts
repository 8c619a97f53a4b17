import type { Endpoint } from '../contract/backend.js';

/** The hostname of an address (`https://h:1/x`, `h:1`), or undefined when it has none. */
export function hostOf(address: string): string | undefined {
  try {
    const url = new URL(address.includes('://') ? address : `tcp://${address}`);
    return url.hostname === '' ? undefined : url.hostname;
  } catch {
    return undefined;
  }
}

/** A network endpoint as the manifest shows it: the address without trailing slashes, its host, who chose it. */
export function urlEndpoint(address: string, custom: boolean): Endpoint {
  const host = hostOf(address);
  return { kind: 'url', display: address.replace(/\/+$/, ''), ...(host === undefined ? {} : { host }), custom };
}
