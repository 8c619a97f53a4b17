import { isAbsolute, resolve } from 'node:path';
import { awsSmEndpoint } from '../backends/aws-sm/endpoint.js';
import { stsEndpointOf } from '../backends/aws-sts/endpoint.js';
import { azureKvEndpoint } from '../backends/azure-kv/endpoint.js';
import { gcpSmEndpoint } from '../backends/gcp-sm/endpoint.js';
import { vaultEndpoint } from '../backends/vault/endpoint.js';
import type { BrokerConfig } from '../config/schema.js';
import type { Endpoint } from '../contract/backend.js';
import { GCP_STS_TOKEN_URL } from '../login/gcp-wif.js';
import type { SecretRef } from '../ref/types.js';
import { urlEndpoint } from '../sdk/url-endpoint.js';
import { azureTokenEndpoint } from './azure-token.js';

// Each network backend knows its own address rules; this file only dispatches by scheme.
export { ENV_AWS_DEFAULT_REGION, ENV_AWS_REGION } from '../backends/aws-sm/region.js';
export { stsEndpointOf } from '../backends/aws-sts/endpoint.js';
export { ENV_VAULT_ADDR, VAULT_DEFAULT_ADDRESS } from '../backends/vault/endpoint.js';

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
    case 'vault-token':
      return vaultEndpoint(backends?.vault, env);
    case 'aws-sm':
      return awsSmEndpoint(ref, backends?.['aws-sm'], env);
    case 'gcp-sm':
      return gcpSmEndpoint(backends?.['gcp-sm']);
    case 'azure-kv':
      return azureKvEndpoint(ref, backends?.['azure-kv']);
    case 'aws-sts': {
      // Where the credential is minted; where the test sends it is its destination (*.amazonaws.com by default).
      const sts = stsEndpointOf(backends?.['aws-sts'], env);
      return urlEndpoint(sts.url, sts.custom);
    }
    case 'gcp-token': {
      // Where the token is minted (Google's STS); IAM Credentials follows, and the manifest's login lists both.
      const tokenUrl = backends?.['gcp-token']?.tokenUrl;
      return urlEndpoint(tokenUrl ?? GCP_STS_TOKEN_URL, tokenUrl !== undefined);
    }
    case 'azure-token':
      return azureTokenEndpoint(ref, backends?.['azure-token'], env);
  }
}
