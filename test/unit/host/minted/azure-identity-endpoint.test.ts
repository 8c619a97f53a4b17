import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { afterEach, describe, expect, it } from 'vitest';
import { azureEndpointVars } from '../../../../src/host/minted/azure-env.js';
import {
  type AzureIdentityEndpoint,
  openAzureIdentityEndpoint,
} from '../../../../src/host/minted/azure-identity-endpoint.js';

const CLIENT = '0b5e1c2d-0000-4000-8000-0000000c11e7';
const OTHER = '11111111-2222-4333-8444-555555555555';
const RESOURCE = 'https://vault.azure.net';
const EXPIRES = new Date(Date.now() + 3600_000);

let open: AzureIdentityEndpoint | undefined;
const asked: string[] = [];

async function start(resource?: string): Promise<AzureIdentityEndpoint> {
  let n = 0;
  open = await openAzureIdentityEndpoint({
    clientId: CLIENT,
    ...(resource === undefined ? {} : { resource }),
    token: async (scope) => {
      asked.push(scope);
      n += 1;
      return { accessToken: `SENTINEL-AZURE-ACCESS-${n}`, expiresOn: EXPIRES };
    },
  });
  return open;
}

function tokenUrl(endpoint: AzureIdentityEndpoint, query: Record<string, string>): string {
  return `${endpoint.url}?${new URLSearchParams(query)}`;
}

afterEach(async () => {
  await open?.close();
  asked.length = 0;
});

describe('the per-test Azure managed-identity endpoint (App Service protocol 2019-08-01)', () => {
  it('answers the holder of its header while a test holds it, with the JSON the SDKs read', async () => {
    const endpoint = await start(RESOURCE);
    const release = endpoint.arm();
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
    const query = { resource: RESOURCE, 'api-version': '2019-08-01', client_id: CLIENT.toUpperCase() };
    const ok = await fetch(tokenUrl(endpoint, query), { headers: { 'x-identity-header': endpoint.header } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      access_token: 'SENTINEL-AZURE-ACCESS-1',
      expires_on: String(Math.ceil(EXPIRES.getTime() / 1000)),
      resource: RESOURCE,
      token_type: 'Bearer',
      client_id: CLIENT,
    });
    expect(asked).toEqual([`${RESOURCE}/.default`]);

    for (const headers of [{}, { 'x-identity-header': `${endpoint.header.slice(0, -1)}x` }]) {
      const wrong = await fetch(tokenUrl(endpoint, query), { headers });
      expect(wrong.status).toBe(403);
      expect(await wrong.text()).not.toContain('SENTINEL');
    }
    // Only the holder can release it; the header alone does not.
    expect((await fetch(endpoint.url, { method: 'DELETE' })).status).toBe(403);
    expect((await fetch(endpoint.url, { method: 'DELETE', headers: { authorization: endpoint.header } })).status).toBe(
      403
    );
    expect((await fetch(endpoint.url, { method: 'DELETE', headers: { authorization: release } })).status).toBe(204);
    expect(endpoint.holders).toBe(0);
    // Released: same URL and header (MSAL keeps them per process), but no answer until a test holds it again.
    const idle = await fetch(tokenUrl(endpoint, query), { headers: { 'x-identity-header': endpoint.header } });
    expect(idle.status).toBe(403);
    expect(await idle.text()).not.toContain('SENTINEL');
    expect((await fetch(endpoint.url, { method: 'DELETE', headers: { authorization: release } })).status).toBe(403);
    const again = endpoint.arm();
    expect(again).not.toBe(release);
    const back = await fetch(tokenUrl(endpoint, query), { headers: { 'x-identity-header': endpoint.header } });
    expect(back.status).toBe(200);
    await endpoint.close();
    await endpoint.closed;
    await expect(
      fetch(tokenUrl(endpoint, query), { headers: { 'x-identity-header': endpoint.header } })
    ).rejects.toThrow();
    expect(asked).toHaveLength(2);
  });

  it.each([
    [{ resource: RESOURCE, 'api-version': '2017-09-01' }, /api-version must be 2019-08-01/],
    [{ 'api-version': '2019-08-01' }, /resource is required/],
    [{ resource: 'https://storage.azure.com', 'api-version': '2019-08-01' }, /for https:\/\/vault.azure.net only/],
    [{ resource: RESOURCE, 'api-version': '2019-08-01', client_id: OTHER }, /serves application .* only/],
    [{ resource: RESOURCE, 'api-version': '2019-08-01', mi_res_id: '/subscriptions/x' }, /ask by client_id/],
  ])('refuses a request it cannot serve (%j) without minting', async (query, message) => {
    const endpoint = await start(RESOURCE);
    endpoint.arm();
    const response = await fetch(tokenUrl(endpoint, query), { headers: { 'x-identity-header': endpoint.header } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(message);
    expect(asked).toEqual([]);
  });

  it('serves any resource when the entry names no scope (trailing slash kept out of the scope)', async () => {
    const endpoint = await start();
    endpoint.arm();
    const query = { resource: 'https://storage.azure.com/', 'api-version': '2019-08-01' };
    const ok = await fetch(tokenUrl(endpoint, query), { headers: { 'x-identity-header': endpoint.header } });
    expect(ok.status).toBe(200);
    expect(asked).toEqual(['https://storage.azure.com/.default']);
  });

  it('is what ManagedIdentityCredential and DefaultAzureCredential pick from the variables a test gets', async () => {
    const endpoint = await start(RESOURCE);
    endpoint.arm();
    const vars = azureEndpointVars(endpoint, CLIENT);
    expect(vars).toMatchObject({ AZURE_CLIENT_SECRET: '', AZURE_FEDERATED_TOKEN_FILE: '', AZURE_CLIENT_ID: CLIENT });
    const saved = { ...process.env };
    // Competing sources as a developer machine may have them: the hidden ones must lose.
    Object.assign(process.env, {
      AZURE_TENANT_ID: 'tenant',
      AZURE_CLIENT_SECRET: 'SENTINEL-LONG-LIVED-SECRET',
      NO_PROXY: '127.0.0.1',
      ...vars,
    });
    try {
      const mi = await new ManagedIdentityCredential(CLIENT).getToken(`${RESOURCE}/.default`);
      expect(mi.token).toBe('SENTINEL-AZURE-ACCESS-1');
      // MSAL turns expires_on into expires_in against the clock after the answer, then adds it to the time it sent
      // the request (msal-node, ManagedIdentitySource), so a second boundary crossed in between takes a second off.
      const expiresOn = Math.ceil(EXPIRES.getTime() / 1000) * 1000;
      expect(mi.expiresOnTimestamp).toBeGreaterThanOrEqual(expiresOn - 1000);
      expect(mi.expiresOnTimestamp).toBeLessThanOrEqual(expiresOn);
      const dac = await new DefaultAzureCredential().getToken(`${RESOURCE}/.default`);
      expect(dac.token).toMatch(/^SENTINEL-AZURE-ACCESS-\d$/);
    } finally {
      for (const name of Object.keys(process.env)) {
        if (!(name in saved)) {
          delete process.env[name];
        }
      }
      Object.assign(process.env, saved);
    }
  });
});
