import { isIP } from 'node:net';
import type { Badge } from '../backends/labels.js';

export { hostOf } from '../sdk/url-endpoint.js';

/** @public Why an endpoint got its badge; shown in the manifest's JSON. */
export interface Classification {
  readonly badge: Badge;
  readonly why: string;
}

// Public endpoints of the managed services the broker talks to. A custom endpoint that is none of these is
// someone's own server (🏠), however it is named.
const MANAGED_SUFFIXES: readonly [suffix: string, provider: string][] = [
  ['.amazonaws.com', 'AWS'],
  ['.amazonaws.com.cn', 'AWS China'],
  ['.api.aws', 'AWS'],
  ['.googleapis.com', 'Google Cloud'],
  ['.google.internal', 'Google Cloud metadata'],
  ['.vault.azure.net', 'Azure Key Vault'],
  ['.vault.azure.cn', 'Azure Key Vault (China)'],
  ['.vault.usgovcloudapi.net', 'Azure Key Vault (US Gov)'],
  ['.managedhsm.azure.net', 'Azure Managed HSM'],
  ['.microsoftonline.com', 'Microsoft Entra ID'],
  ['.microsoftonline.us', 'Microsoft Entra ID (US Gov)'],
  ['.chinacloudapi.cn', 'Azure China'],
  ['.hashicorp.cloud', 'HCP Vault'],
  ['.githubusercontent.com', 'GitHub Actions'],
];

// Names that only resolve inside an organisation or a cluster.
const PRIVATE_SUFFIXES = ['.cluster.local', '.internal', '.local', '.lan', '.corp', '.home.arpa', '.intranet', '.svc'];

// Instance-metadata endpoints are served by the cloud provider even though the address is link-local.
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '169.254.170.2']);

/**
 * @public Badge an endpoint from its real address. `host` undefined means a file or the environment: 🔒 local.
 */
export function classifyHost(host: string | undefined): Classification {
  if (host === undefined) {
    return { badge: 'local', why: 'file or environment on this machine' };
  }
  const name = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  const ipVersion = isIP(name);
  if (ipVersion !== 0) {
    return classifyIp(name, ipVersion);
  }
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return { badge: 'local', why: 'loopback name' };
  }
  for (const [suffix, provider] of MANAGED_SUFFIXES) {
    if (name.endsWith(suffix) || name === suffix.slice(1)) {
      return { badge: 'managed-cloud', why: `${provider} public endpoint` };
    }
  }
  const privateSuffix = PRIVATE_SUFFIXES.find((s) => name.endsWith(s));
  if (privateSuffix !== undefined) {
    return { badge: 'self-hosted', why: `private name (${privateSuffix})` };
  }
  if (!name.includes('.')) {
    return { badge: 'self-hosted', why: 'single-label name (cluster or LAN)' };
  }
  return { badge: 'self-hosted', why: 'custom endpoint' };
}

function classifyIp(ip: string, version: number): Classification {
  if (METADATA_ADDRESSES.has(ip)) {
    return { badge: 'managed-cloud', why: 'cloud instance metadata service' };
  }
  if (version === 4) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    if (a === 127) {
      return { badge: 'local', why: 'loopback address' };
    }
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) {
      return { badge: 'self-hosted', why: 'private address (RFC 1918)' };
    }
    if (a === 100 && b >= 64 && b <= 127) {
      return { badge: 'self-hosted', why: 'shared address space (RFC 6598)' };
    }
    if (a === 169 && b === 254) {
      return { badge: 'self-hosted', why: 'link-local address' };
    }
    return { badge: 'self-hosted', why: 'custom endpoint (public address)' };
  }
  const v6 = ip.toLowerCase();
  if (v6 === '::1') {
    return { badge: 'local', why: 'loopback address' };
  }
  const mapped = ipv4Mapped(v6);
  if (mapped !== undefined) {
    return classifyIp(mapped, 4);
  }
  if (/^f[cd]/.test(v6)) {
    return { badge: 'self-hosted', why: 'unique local address (fc00::/7)' };
  }
  if (/^fe[89ab]/.test(v6)) {
    return { badge: 'self-hosted', why: 'link-local address' };
  }
  return { badge: 'self-hosted', why: 'custom endpoint (public address)' };
}

// `::ffff:127.0.0.1`, which URL parsing turns into `::ffff:7f00:1`.
function ipv4Mapped(v6: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  if (dotted?.[1] !== undefined) {
    return dotted[1];
  }
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (hex?.[1] === undefined || hex[2] === undefined) {
    return undefined;
  }
  const [high, low] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** @public The badge's emoji and plain-ASCII forms. */
export const BADGE_GLYPHS: Readonly<Record<Badge, { readonly emoji: string; readonly ascii: string }>> = {
  local: { emoji: '🔒', ascii: '[local]' },
  'self-hosted': { emoji: '🏠', ascii: '[self-hosted]' },
  'managed-cloud': { emoji: '☁️', ascii: '[managed-cloud]' },
};
