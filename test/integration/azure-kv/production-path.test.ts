import dns from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureKvBackend } from '../../../src/backends/azure-kv/index.js';
import {
  createTestTls,
  type StartedEntra,
  type StartedKeyVault,
  startEntra,
  startKeyVault,
  type TestTls,
} from '../../../src/testing/azure/index.js';
import { CANARY, CLIENT, context, failure, OIDC_TOKEN, SECRETS, TENANT } from './harness.js';

/**
 * The SDK's production path: the vault is addressed by its `*.vault.azure.net` name, so the SDK checks the
 * challenge's resource against the host (what a custom localhost endpoint switches off). A certificate for
 * `*.vault.azure.net` from the test CA, and a DNS override in this process, point that name at the local server:
 * IP literals could not pass the check.
 */
type Lookup = typeof dns.lookup;
const realLookup: Lookup = dns.lookup;
let tls: TestTls;
let entra: StartedEntra;
let kv: StartedKeyVault;
let foreign: StartedKeyVault;
let dir: string;

beforeAll(async () => {
  process.env['NO_PROXY'] = '127.0.0.1,localhost,.vault.azure.net';
  const override = ((hostname: string, options: unknown, callback?: unknown) => {
    const done = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
    if (!hostname.toLowerCase().endsWith('.vault.azure.net')) {
      return (realLookup as (...args: unknown[]) => void)(hostname, options, callback);
    }
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
    return all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4);
  }) as unknown as Lookup;
  dns.lookup = override;
  tls = await createTestTls({ hosts: ['*.vault.azure.net', 'localhost', '127.0.0.1'] });
  entra = await startEntra({ tls, tenantId: TENANT, clientId: CLIENT, assertion: OIDC_TOKEN });
  const accept = (token: string, resource: string) => entra.isValid(token, resource);
  kv = await startKeyVault({ tls, tenantId: TENANT, secrets: SECRETS, acceptToken: accept });
  // A server whose challenge names another cloud's resource: the SDK must refuse to send it a token.
  foreign = await startKeyVault({
    tls,
    tenantId: TENANT,
    secrets: SECRETS,
    acceptToken: accept,
    resource: 'https://vault.azure.cn',
  });
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  dir = mkdtempSync(join(tmpdir(), 'cb-azure-prod-'));
  writeFileSync(join(dir, 'token.jwt'), `${OIDC_TOKEN}\n`);
});

afterAll(async () => {
  dns.lookup = realLookup;
  await Promise.all([kv?.close(), foreign?.close(), entra?.close()]);
  await tls?.dispose();
  const { rmSync } = await import('node:fs');
  rmSync(dir, { recursive: true, force: true });
});

const backendAt = (server: StartedKeyVault) =>
  createAzureKvBackend({
    endpoint: `https://corp-kv.vault.azure.net:${new URL(server.url).port}`,
    caFile: tls.caFile,
    auth: {
      method: 'workload-identity',
      tenantId: TENANT,
      clientId: CLIENT,
      token: { file: `${dir}/token.jwt` },
      authorityHost: entra.url,
    },
  });

describe('azure-kv on the production path (*.vault.azure.net, challenge resource verified)', () => {
  it('reads a secret when the challenge names the vault host’s resource', async () => {
    const backend = backendAt(kv);
    const { parseRef } = await import('../../../src/ref/index.js');
    const document = await backend.fetch(parseRef('azure-kv://corp-kv/db-password') as never, context(dir));
    expect(document.text.reveal()).toBe(CANARY);
    expect(kv.requests.some((r) => r.bearer)).toBe(true);
    await backend.close?.();
  });

  it('refuses a challenge for another resource, and sends that server no token', async () => {
    const backend = backendAt(foreign);
    const { parseRef } = await import('../../../src/ref/index.js');
    const error = await failure(backend.fetch(parseRef('azure-kv://corp-kv/db-password') as never, context(dir)));
    expect(error.transient).toBe(false);
    expect(foreign.requests.filter((r) => r.bearer)).toEqual([]);
    await backend.close?.();
  });
});
