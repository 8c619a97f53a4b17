/**
 * `azure-token:` grants against the local Entra (HTTPS, test CA): one mint per (identity, application, scope) shared
 * by concurrent tests, every token registered with the scrubber and the audit record, a short-lived token re-minted
 * through the endpoint, one endpoint per worker armed per test, and the run backend's one-shot document.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureTokenBackend } from '../../../src/backends/azure-token/index.js';
import type { AzureTokenSettings } from '../../../src/backends/azure-token/settings.js';
import { inlineCredential } from '../../../src/config/normalise.js';
import type { MintEvent } from '../../../src/contract/backend.js';
import { isBrokerError } from '../../../src/errors.js';
import { createAzureTokenGrants } from '../../../src/host/minted/azure.js';
import { parseRef } from '../../../src/ref/index.js';
import type { AzureTokenRef } from '../../../src/ref/types.js';
import { Scrubber } from '../../../src/scrub/index.js';
import { createTestTls, type StartedEntra, startEntra, type TestTls } from '../../../src/testing/azure/index.js';

const TENANT = '72f988bf-0000-4000-8000-00000000a11e';
const CLIENT = '0b5e1c2d-0000-4000-8000-0000000c11e7';
const SCOPE = 'https://vault.azure.net/.default';
const OIDC = [
  Buffer.from('{"alg":"RS256"}').toString('base64url'),
  Buffer.from('{"aud":"api://AzureADTokenExchange"}').toString('base64url'),
  'SENTINEL-GRANTS-OIDC',
].join('.');

let tls: TestTls;
let entra: StartedEntra;
let dir: string;
let settings: AzureTokenSettings;

beforeAll(async () => {
  process.env['NO_PROXY'] = '127.0.0.1,localhost';
  tls = await createTestTls();
  entra = await startEntra({ tls, tenantId: TENANT, clientId: CLIENT, assertion: OIDC });
  dir = mkdtempSync(join(tmpdir(), 'cb-azure-token-'));
  writeFileSync(join(dir, 'oidc.jwt'), OIDC);
  settings = { tenantId: TENANT, token: { file: 'oidc.jwt' }, authorityHost: entra.url, caFile: tls.caFile };
});
afterAll(async () => {
  await entra?.close();
  await tls?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function setup(backendSettings: AzureTokenSettings | null = settings) {
  const scrubber = new Scrubber();
  const minted: MintEvent[] = [];
  const warnings: string[] = [];
  const grants = createAzureTokenGrants({
    backends: backendSettings === null ? {} : { 'azure-token': backendSettings },
    env: {},
    baseDir: dir,
    scrubber,
    log: { warn: (m: string) => warnings.push(m), info: () => {}, debug: () => {} } as never,
    audit: { minted: (e) => minted.push(e), revoked: () => {} },
  });
  const closers: Array<() => Promise<void>> = [];
  const track = (e: { close(): Promise<void> }) => closers.push(() => e.close());
  return { scrubber, minted, warnings, grants, track, close: () => Promise.all(closers.map((c) => c())) };
}

function spec(delivery: 'endpoint' | 'env') {
  const ref = parseRef(`azure-token:${CLIENT}`) as AzureTokenRef;
  return { ...inlineCredential('AZURE_KV', ref, 'config'), ref, delivery, mint: { scope: SCOPE } };
}

async function ask(url: string, header: string) {
  const query = new URLSearchParams({ resource: 'https://vault.azure.net', 'api-version': '2019-08-01' });
  const response = await fetch(`${url}?${query}`, { headers: { 'x-identity-header': header } });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('azure-token: grants', () => {
  it('share one mint among concurrent tests, scrub and audit it, and give each worker one endpoint', async () => {
    const { scrubber, minted, grants, track, close } = setup();
    const before = entra.issued;
    const worker = {};
    const all = await Promise.all(Array.from({ length: 20 }, () => grants.grant(spec('endpoint'), track, worker)));
    expect(entra.issued - before).toBe(1);
    expect(grants.mints).toBe(1);
    expect(new Set(all.map((g) => g.value)).size).toBe(1);
    const first = all[0];
    const header = first?.vars?.['IDENTITY_HEADER'] ?? '';
    const answer = await ask(first?.value ?? '', header);
    expect(answer.status).toBe(200);
    expect(answer.body['client_id']).toBe(CLIENT);
    expect(entra.isValid(answer.body['access_token'] ?? '', 'https://vault.azure.net')).toBe(true);
    // The token, the header and each release token reach the scrubber; the audit names the app, never a value.
    expect(scrubber.scrub(`${answer.body['access_token']} ${header} ${first?.close?.authorization}`)).not.toMatch(
      /fake-entra-at|[A-Za-z0-9_-]{43}/
    );
    expect(minted).toEqual([
      { backend: 'azure-token', identity: `client ${CLIENT} for ${SCOPE}`, expiresAt: expect.any(Date) },
    ]);
    // Another worker gets an endpoint of its own.
    const other = await grants.grant(spec('endpoint'), track, {});
    expect(other.value).not.toBe(first?.value);
    expect(other.vars?.['IDENTITY_HEADER']).not.toBe(header);
    await close();
    grants.close();
  });

  it('re-mints a short-lived token through the endpoint and registers the new one too', async () => {
    const { scrubber, minted, grants, track, close } = setup();
    entra.lifetimeSeconds = 2;
    try {
      const g = await grants.grant(spec('endpoint'), track);
      const header = g.vars?.['IDENTITY_HEADER'] ?? '';
      const one = await ask(g.value, header);
      // The endpoint states the cache's refresh point as the expiry (rounded up to a second): an SDK that comes back
      // after it gets a new token. A fixed sleep is not enough: MSAL rounds the mint time to a second, which can move
      // the real expiry, and so the refresh point (half the lifetime), by up to half a second.
      const stated = Number(one.body['expires_on']) * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.min(3_000, Math.max(0, stated - Date.now()) + 20)));
      const two = await ask(g.value, header);
      expect(one.body['access_token']).not.toBe(two.body['access_token']);
      expect(Number(two.body['expires_on']) * 1000).toBeGreaterThan(Date.now());
      expect(minted).toHaveLength(2);
      expect(scrubber.scrub(two.body['access_token'] ?? '')).not.toContain('fake-entra-at');
      await close();
    } finally {
      entra.lifetimeSeconds = 3599;
      grants.close();
    }
  });

  it("as: 'env' hands the token itself; a missing identity fails with our error", async () => {
    const { grants } = setup();
    const g = await grants.grant(spec('env'), () => {});
    expect(g.value).toMatch(/^fake-entra-at\./);
    expect(g.secrets).toEqual([g.value]);
    expect(g.vars).toBeUndefined();
    grants.close();

    const none = setup(null);
    const error = await none.grants.grant(spec('env'), () => {}).catch((e: unknown) => e);
    expect(isBrokerError(error) && error.code).toBe('CONFIG_INVALID');
    expect(String((error as Error).message)).toContain(CLIENT);
  });

  it('names Entra refusals in its own words', async () => {
    const wrong = setup({ ...settings, tenantId: '00000000-0000-4000-8000-000000000000' });
    const error = await wrong.grants.grant(spec('env'), () => {}).catch((e: unknown) => e);
    expect(isBrokerError(error)).toBe(true);
    expect(error).toMatchObject({ backend: 'azure-token', ref: `azure-token:${CLIENT}` });
    expect(String((error as Error).message)).not.toContain('SENTINEL');
    wrong.grants.close();
  });

  it('resolves outside tests to one token document', async () => {
    const backend = createAzureTokenBackend(settings);
    const doc = await backend.fetch(
      parseRef(`azure-token:${CLIENT}`) as AzureTokenRef,
      {
        env: {},
        baseDir: dir,
        signal: new AbortController().signal,
      } as never
    );
    const tree = doc.tree?.() as Record<string, string>;
    expect(tree['token_type']).toBe('Bearer');
    expect(entra.isValid(tree['access_token'] ?? '', 'https://management.azure.com')).toBe(true);
    await backend.close?.();
  });
});
