import { isAbsolute, resolve } from 'node:path';
import type { AwsStsSettings } from '../backends/aws-sts/settings.js';
import type { BrokerConfig } from '../config/schema.js';
import type { Endpoint } from '../contract/backend.js';
import type { SecretRef } from '../ref/types.js';
import { hostOf } from './classify.js';

/** @public Env vars the endpoints honour, as the official clients do. */
export const ENV_VAULT_ADDR = 'VAULT_ADDR';
export const ENV_AWS_REGION = 'AWS_REGION';
export const ENV_AWS_DEFAULT_REGION = 'AWS_DEFAULT_REGION';

/** @public Vault's own default address (the CLI's), when neither the settings nor $VAULT_ADDR give one. */
export const VAULT_DEFAULT_ADDRESS = 'https://127.0.0.1:8200';
const AZURE_SUFFIX = { public: 'vault.azure.net', china: 'vault.azure.cn', usgov: 'vault.usgovcloudapi.net' } as const;

/**
 * @public Where a ref's secret lives, computed without I/O from the ref, the backend settings and the
 * environment — the same inputs the backend uses, so the manifest shows the real destination of every request.
 */
export function endpointOf(
  ref: SecretRef,
  backends: BrokerConfig['backends'],
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string
): Endpoint {
  switch (ref.scheme) {
    case 'env':
      return { kind: 'env', display: `env:${ref.name}` };
    case 'file':
    case 'sops':
    case 'age':
      return { kind: 'file', display: isAbsolute(ref.path) ? ref.path : resolve(baseDir, ref.path) };
    case 'vault':
    case 'vault-token': {
      const configured = backends?.vault?.address ?? env[ENV_VAULT_ADDR];
      return url(configured ?? VAULT_DEFAULT_ADDRESS, configured !== undefined);
    }
    case 'aws-sm': {
      const custom = backends?.['aws-sm']?.endpoint;
      if (custom !== undefined) {
        return url(custom, true);
      }
      const region = ref.region ?? backends?.['aws-sm']?.region ?? env[ENV_AWS_REGION] ?? env[ENV_AWS_DEFAULT_REGION];
      if (region === undefined) {
        // Unknown until the SDK's own chain runs; the host is AWS's either way.
        return {
          kind: 'url',
          display: 'https://secretsmanager.<region>.amazonaws.com',
          host: 'amazonaws.com',
          custom: false,
        };
      }
      const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
      return url(`https://secretsmanager.${region}.${domain}`, false);
    }
    case 'gcp-sm': {
      const custom = backends?.['gcp-sm']?.endpoint;
      return url(custom ?? 'https://secretmanager.googleapis.com', custom !== undefined);
    }
    case 'azure-kv': {
      const settings = backends?.['azure-kv'];
      if (settings?.endpoint !== undefined) {
        return url(settings.endpoint, true);
      }
      return url(`https://${ref.vault}.${AZURE_SUFFIX[settings?.cloud ?? 'public']}`, false);
    }
    case 'aws-sts': {
      // Where the credential is minted; where the test sends it is its destination (*.amazonaws.com by default).
      const sts = stsEndpointOf(backends?.['aws-sts'], env);
      return url(sts.url, sts.custom);
    }
  }
}
/** @public Where STS lives for `backends['aws-sts']`, as the manifest and the minter use it. */
export function stsEndpointOf(
  settings: AwsStsSettings | undefined,
  env: Readonly<Record<string, string | undefined>>
): { readonly url: string; readonly custom: boolean; readonly region: string } {
  const region = settings?.stsRegion ?? env[ENV_AWS_REGION] ?? env[ENV_AWS_DEFAULT_REGION] ?? 'us-east-1';
  if (settings?.stsEndpoint !== undefined) {
    return { url: settings.stsEndpoint, custom: true, region };
  }
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return { url: `https://sts.${region}.${domain}`, custom: false, region };
}

function url(address: string, custom: boolean): Endpoint {
  const host = hostOf(address);
  return { kind: 'url', display: address.replace(/\/+$/, ''), ...(host === undefined ? {} : { host }), custom };
}
