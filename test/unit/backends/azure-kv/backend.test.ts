import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAzureKvBackend } from '../../../../src/backends/azure-kv/index.js';
import { azureKvSettingsSchema } from '../../../../src/backends/azure-kv/settings.js';
import type { FetchContext } from '../../../../src/contract/backend.js';
import { parseRef } from '../../../../src/ref/index.js';
import type { AzureKvRef } from '../../../../src/ref/types.js';

const DB = parseRef('azure-kv://corp-kv/db-password') as AzureKvRef;
const dir = mkdtempSync(join(tmpdir(), 'cb-azure-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ctx: FetchContext = {
  signal: new AbortController().signal,
  env: {},
  baseDir: dir,
  log: { debug() {}, info() {}, warn() {} },
};

function notFound(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
}

describe(createAzureKvBackend.name, () => {
  it('MISSING_DEPENDENCY names the package that is not installed, and tries again at the next fetch', async () => {
    const asked: string[] = [];
    const backend = createAzureKvBackend(
      { endpoint: 'https://localhost:1' },
      {
        importer: async (specifier) => {
          asked.push(specifier);
          if (specifier === '@azure/identity') {
            throw notFound(specifier);
          }
          return import(specifier);
        },
      }
    );
    const message =
      'azure-kv: load client "azure-kv:corp-kv/db-password": @azure/identity is not installed. npm install -D @azure/identity to use azure-kv: references';
    await expect(backend.fetch(DB, ctx)).rejects.toMatchObject({ code: 'MISSING_DEPENDENCY', message });
    await expect(backend.fetch(DB, ctx)).rejects.toMatchObject({ code: 'MISSING_DEPENDENCY', message });
    expect(asked).toEqual(['@azure/keyvault-secrets', '@azure/identity', '@azure/keyvault-secrets', '@azure/identity']);
  });

  it('loads no SDK before the first fetch', () => {
    let imports = 0;
    createAzureKvBackend({}, { importer: async () => ++imports });
    expect(imports).toBe(0);
  });

  it('CONFIG_INVALID for a caFile that is missing or holds no certificate', async () => {
    const missing = createAzureKvBackend({ caFile: 'absent.pem' });
    await expect(missing.fetch(DB, ctx)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `azure-kv: configure TLS "azure-kv:corp-kv/db-password": cannot read caFile ${join(dir, 'absent.pem')} (ENOENT). Point caFile at the PEM certificate of the CA that signs the endpoint, relative to the config`,
    });
    writeFileSync(join(dir, 'junk.pem'), 'CANARY_NOT_A_CERT');
    const junk = createAzureKvBackend({ caFile: 'junk.pem' });
    await expect(junk.fetch(DB, ctx)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `azure-kv: configure TLS "azure-kv:corp-kv/db-password": caFile ${join(dir, 'junk.pem')} holds no PEM certificate. Point caFile at the PEM certificate of the CA that signs the endpoint, relative to the config`,
    });
  });
});

describe('azureKvSettingsSchema', () => {
  it('accepts workload identity and default auth, refuses an http authority host and unknown fields', () => {
    const wi = {
      method: 'workload-identity',
      tenantId: 't',
      clientId: 'c',
      token: { file: '/var/run/secrets/azure/tokens/azure-identity-token' },
      authorityHost: 'https://login.microsoftonline.com',
    };
    expect(azureKvSettingsSchema.safeParse({ cloud: 'china', auth: wi, caFile: 'ca.pem' }).success).toBe(true);
    expect(azureKvSettingsSchema.safeParse({ auth: { method: 'default' } }).success).toBe(true);
    expect(azureKvSettingsSchema.safeParse({ auth: { ...wi, authorityHost: 'http://localhost:8443' } }).success).toBe(
      false
    );
    expect(azureKvSettingsSchema.safeParse({ auth: { ...wi, clientSecret: 'x' } }).success).toBe(false);
    expect(azureKvSettingsSchema.safeParse({ auth: { method: 'client-secret' } }).success).toBe(false);
  });
});
