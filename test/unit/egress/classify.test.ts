import { describe, expect, it } from 'vitest';
import { classifyHost, hostOf } from '../../../src/egress/classify.js';

const table: [address: string | undefined, badge: string, why: string][] = [
  [undefined, 'local', 'file or environment on this machine'],
  ['http://127.0.0.1:8200', 'local', 'loopback address'],
  ['http://127.8.9.10', 'local', 'loopback address'],
  ['http://localhost:4566', 'local', 'loopback name'],
  ['http://vault.localhost', 'local', 'loopback name'],
  ['http://[::1]:8200', 'local', 'loopback address'],
  ['http://[::ffff:127.0.0.1]', 'local', 'loopback address'],
  ['https://10.0.3.4:8200', 'self-hosted', 'private address (RFC 1918)'],
  ['https://172.16.0.1', 'self-hosted', 'private address (RFC 1918)'],
  ['https://172.31.255.1', 'self-hosted', 'private address (RFC 1918)'],
  ['https://172.32.0.1', 'self-hosted', 'custom endpoint (public address)'],
  ['https://192.168.1.20', 'self-hosted', 'private address (RFC 1918)'],
  ['https://100.64.0.7', 'self-hosted', 'shared address space (RFC 6598)'],
  ['https://[fd12:3456::1]', 'self-hosted', 'unique local address (fc00::/7)'],
  ['https://[fe80::1]', 'self-hosted', 'link-local address'],
  ['https://vault.internal:8200', 'self-hosted', 'private name (.internal)'],
  ['https://nas.local', 'self-hosted', 'private name (.local)'],
  ['https://vault.corp', 'self-hosted', 'private name (.corp)'],
  ['https://router.lan', 'self-hosted', 'private name (.lan)'],
  ['https://vault.vault.svc:8200', 'self-hosted', 'private name (.svc)'],
  ['https://vault.vault.svc.cluster.local:8200', 'self-hosted', 'private name (.cluster.local)'],
  ['https://vault:8200', 'self-hosted', 'single-label name (cluster or LAN)'],
  ['https://vault.example.com', 'self-hosted', 'custom endpoint'],
  ['https://8.8.8.8', 'self-hosted', 'custom endpoint (public address)'],
  ['https://secretsmanager.eu-west-1.amazonaws.com', 'managed-cloud', 'AWS public endpoint'],
  ['https://sts.amazonaws.com', 'managed-cloud', 'AWS public endpoint'],
  ['https://secretsmanager.cn-north-1.amazonaws.com.cn', 'managed-cloud', 'AWS China public endpoint'],
  ['https://secretmanager.googleapis.com', 'managed-cloud', 'Google Cloud public endpoint'],
  ['http://metadata.google.internal', 'managed-cloud', 'Google Cloud metadata public endpoint'],
  ['https://my-vault.vault.azure.net', 'managed-cloud', 'Azure Key Vault public endpoint'],
  ['https://login.microsoftonline.com', 'managed-cloud', 'Microsoft Entra ID public endpoint'],
  ['https://my-cluster.vault.11eab.aws.hashicorp.cloud:8200', 'managed-cloud', 'HCP Vault public endpoint'],
  ['http://169.254.169.254', 'managed-cloud', 'cloud instance metadata service'],
  ['http://169.254.10.1', 'self-hosted', 'link-local address'],
  ['https://VAULT.INTERNAL.', 'self-hosted', 'private name (.internal)'],
  ['https://notamazonaws.com', 'self-hosted', 'custom endpoint'],
];

describe(classifyHost.name, () => {
  it.each(table)('%s → %s', (address, badge, why) => {
    expect(classifyHost(address === undefined ? undefined : hostOf(address))).toEqual({ badge, why });
  });

  it('takes bare host:port addresses too', () => {
    expect(hostOf('vault.internal:8200')).toBe('vault.internal');
    expect(hostOf('not a url')).toBeUndefined();
  });
});
