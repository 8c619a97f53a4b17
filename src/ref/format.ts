import { formatKey } from './key.js';
import type { Scheme, SecretRef } from './types.js';

/**
 * @public The canonical display form: `scheme:locator#key?params`, single colon, parameters in a fixed order
 * per scheme (aws-sm: `version-id`, `version-stage`; the others have one each), a gcp-sm version of
 * `latest` and an azure-kv version in the path both written as the default/`?version` form.
 * `parseRef(formatRef(ref))` equals `ref` but for `raw`.
 */
export function formatRef(ref: SecretRef): string {
  const key = ref.key === undefined ? '' : `#${formatKey(ref.key)}`;
  const query = params(ref);
  return `${documentHead(ref)}${key}${query === '' ? '' : `?${query}`}`;
}

/**
 * @public The identity of the document a ref reads: its canonical form without `#key`. Refs that differ only by
 * key share one fetch. Every parameter (versions, the sops `format`) belongs to the document.
 */
export function documentKey(ref: SecretRef): string {
  const query = params(ref);
  return `${documentHead(ref)}${query === '' ? '' : `?${query}`}`;
}

const NETWORK_SCHEMES: ReadonlySet<Scheme> = new Set([
  'vault',
  'aws-sm',
  'gcp-sm',
  'azure-kv',
  'aws-sts',
  'vault-token',
  'gcp-token',
  'azure-token',
]);

/** @public Whether resolving a ref of this scheme needs the network (and so egress enabled). */
export function isNetworkScheme(scheme: Scheme): boolean {
  return NETWORK_SCHEMES.has(scheme);
}

function documentHead(ref: SecretRef): string {
  switch (ref.scheme) {
    case 'vault':
      return `vault:${ref.mount}/${ref.path}`;
    case 'aws-sm':
      return `aws-sm:${ref.id}`;
    case 'gcp-sm':
      return `gcp-sm:${ref.project}/${ref.secret}`;
    case 'azure-kv':
      return `azure-kv:${ref.vault}/${ref.name}`;
    case 'sops':
    case 'age':
    case 'file':
      // `file:////x` is the path `//x`; printed as `file://x` it would read back as `x`.
      return `${ref.scheme}:${ref.path.startsWith('//') ? '//' : ''}${ref.path}`;
    case 'env':
      return `env:${ref.name}`;
    case 'aws-sts':
      return `aws-sts:${ref.roleArn}`;
    case 'vault-token':
      return `vault-token:${ref.role}`;
    case 'gcp-token':
      return `gcp-token:${ref.serviceAccount}`;
    case 'azure-token':
      return `azure-token:${ref.clientId}`;
  }
}

function params(ref: SecretRef): string {
  const pairs: [string, string | number | undefined][] = [];
  switch (ref.scheme) {
    case 'vault':
      pairs.push(['version', ref.version]);
      break;
    case 'aws-sm':
      pairs.push(['version-id', ref.versionId], ['version-stage', ref.versionStage]);
      break;
    case 'gcp-sm':
      pairs.push(['version', ref.version === 'latest' ? undefined : ref.version]);
      break;
    case 'azure-kv':
      pairs.push(['version', ref.version]);
      break;
    case 'sops':
      pairs.push(['format', ref.format]);
      break;
  }
  return pairs
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}
