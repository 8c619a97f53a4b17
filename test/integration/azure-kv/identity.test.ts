import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAzureKvBackend } from '../../../src/backends/azure-kv/index.js';
import type { Backend } from '../../../src/contract/backend.js';
import { createAzureWorkloadIdentityCredential } from '../../../src/login/azure-wi.js';
import { parseRef } from '../../../src/ref/index.js';
import type { AzureKvRef } from '../../../src/ref/types.js';
import { startKeyVault } from '../../../src/testing/azure/index.js';
import { type Azure, CANARY, CLIENT, context, failure, SECRETS, settingsFor, startAzure, TENANT } from './harness.js';

const DB = parseRef('azure-kv://corp-kv/db-password') as AzureKvRef;
const CONFIG = parseRef('azure-kv://corp-kv/app-config') as AzureKvRef;
const OTHER_VAULT = parseRef('azure-kv://other-kv/db-password') as AzureKvRef;
const TOKEN_POST = /\/oauth2\/v2\.0\/token$/;

let azure: Azure;
let backend: Backend<'azure-kv'> | undefined;
beforeAll(async () => {
  azure = await startAzure();
});
afterAll(() => azure.close());
afterEach(async () => {
  vi.useRealTimers();
  await backend?.close?.();
  backend = undefined;
  azure.kv.requests.length = 0;
  azure.entra.requests.length = 0;
  azure.entra.latencyMs = 0;
});

function open(settings: Parameters<typeof createAzureKvBackend>[0] = settingsFor(azure)): Backend<'azure-kv'> {
  backend = createAzureKvBackend(settings);
  return backend;
}

const tokenPosts = () => azure.entra.requests.filter((r) => r.method === 'POST').length;

describe(createAzureWorkloadIdentityCredential.name, () => {
  it('mints one Entra token for many fetches, concurrent or not', async () => {
    const b = open();
    const ctx = context(azure.dir);
    await Promise.all([b.fetch(DB, ctx), b.fetch(CONFIG, ctx), b.fetch(OTHER_VAULT, ctx)]);
    await b.fetch(DB, ctx);
    await b.fetch(CONFIG, ctx);
    expect(tokenPosts()).toBe(1);
    expect(azure.entra.requests[1]).toMatchObject({ clientId: CLIENT, grantType: 'client_credentials' });
    // Every read after the challenges carried the token.
    expect(azure.kv.requests.filter((r) => r.bearer)).toHaveLength(5);
  });

  it('re-mints as the token ages (five minutes before expiry), not before', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const b = open();
    const ctx = context(azure.dir);
    expect((await b.fetch(DB, ctx)).text.reveal()).toBe(CANARY);
    vi.setSystemTime(Date.now() + 50 * 60_000);
    await b.fetch(DB, ctx);
    expect(tokenPosts()).toBe(1);
    // 56 minutes into a 3599-second token: inside the refresh window.
    vi.setSystemTime(Date.now() + 6 * 60_000);
    expect((await b.fetch(DB, ctx)).text.reveal()).toBe(CANARY);
    expect(tokenPosts()).toBe(2);
    await b.fetch(CONFIG, ctx);
    expect(tokenPosts()).toBe(2);
  });

  it('mints again once when the vault refuses a held token, and reads with the new one', async () => {
    const b = open();
    const ctx = context(azure.dir);
    await b.fetch(DB, ctx);
    azure.kv.revokeTokens();
    expect((await b.fetch(DB, ctx)).text.reveal()).toBe(CANARY);
    expect(tokenPosts()).toBe(2);
  });

  it('answers a continuous access evaluation challenge with a new token carrying the claims', async () => {
    const b = open();
    const ctx = context(azure.dir);
    await b.fetch(DB, ctx);
    azure.kv.revokeTokens({ cae: true });
    expect((await b.fetch(DB, ctx)).text.reveal()).toBe(CANARY);
    const posts = azure.entra.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(JSON.parse(posts[1]?.claims ?? '{}')).toMatchObject({ access_token: { nbf: { essential: true } } });
  });

  it('DENIED when the vault refuses a freshly minted token', async () => {
    const kv = await startKeyVault({ tls: azure.tls, tenantId: TENANT, secrets: SECRETS, acceptToken: () => false });
    try {
      const error = await failure(open({ ...settingsFor(azure), endpoint: kv.url }).fetch(DB, context(azure.dir)));
      expect(error).toEqual({
        code: 'DENIED',
        transient: false,
        message:
          'azure-kv: read "azure-kv:corp-kv/db-password": Key Vault refused a freshly minted Entra token. Check that the identity\'s tenant is the vault\'s and that Key Vault trusts its authority host',
      });
      expect(tokenPosts()).toBe(1);
    } finally {
      await kv.close();
    }
  });

  it('takes workload identity from the AKS env vars when auth is absent', async () => {
    const { auth: _, ...settings } = settingsFor(azure);
    const env = {
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT,
      AZURE_FEDERATED_TOKEN_FILE: azure.tokenFile,
      AZURE_AUTHORITY_HOST: azure.entra.url,
    };
    const ctx = context(azure.dir, env);
    expect((await open(settings).fetch(DB, ctx)).text.reveal()).toBe(CANARY);
    expect(ctx.lines).toEqual([
      'azure-kv: credentials from workload identity from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE',
    ]);
    const insecure = await failure(
      open(settings).fetch(DB, context(azure.dir, { ...env, AZURE_AUTHORITY_HOST: 'http://localhost:1' }))
    );
    expect(insecure).toEqual({
      code: 'CONFIG_INVALID',
      transient: false,
      message:
        'azure-kv: configure identity "azure-kv:corp-kv/db-password": the authority host http://localhost:1 is not an https URL. Entra ID is only reached over https; fix AZURE_AUTHORITY_HOST',
    });
  });

  it('NO_IDENTITY when the token file is missing, naming the ref', async () => {
    const settings = settingsFor(azure);
    const missing = join(azure.dir, 'absent.jwt');
    const error = await failure(
      open({ ...settings, auth: { ...settings.auth, token: { file: missing } } }).fetch(DB, context(azure.dir))
    );
    expect(error).toEqual({
      code: 'NO_IDENTITY',
      transient: false,
      message: `azure-kv: read OIDC token "azure-kv:corp-kv/db-password": cannot read the token file ${missing} (ENOENT). Mount the projected token there, or point auth.token at where your platform writes it`,
    });
    expect(tokenPosts()).toBe(0);
  });

  it("maps Entra's refusals to our codes and hints, never its text", async () => {
    const settings = settingsFor(azure);
    const unknownApp = await failure(
      open({ ...settings, auth: { ...settings.auth, clientId: 'unknown-app' } }).fetch(DB, context(azure.dir))
    );
    expect(unknownApp).toEqual({
      code: 'MINT_FAILED',
      transient: false,
      message: `azure-kv: mint Entra token "azure-kv:corp-kv/db-password": Entra ID (${azure.entra.url}) knows no application unknown-app in tenant ${TENANT} (AADSTS700016). Check auth.clientId (the app registration or managed identity) and auth.tenantId`,
    });

    const other = join(azure.dir, 'other.jwt');
    const jwtWith = (claims: object) =>
      `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.CANARY_OIDC_OTHER_SIGNATURE`;
    // An assertion for another audience is refused before any federated credential is matched (AADSTS700212).
    writeFileSync(other, jwtWith({ sub: 'other', aud: 'https://example.test' }));
    const wrongAudience = await failure(
      open({ ...settings, auth: { ...settings.auth, token: { file: other } } }).fetch(DB, context(azure.dir))
    );
    expect(wrongAudience.code).toBe('NO_IDENTITY');
    expect(wrongAudience.message).toContain('(AADSTS700212)');

    writeFileSync(other, jwtWith({ sub: 'other', aud: 'api://AzureADTokenExchange' }));
    const unmatched = await failure(
      open({ ...settings, auth: { ...settings.auth, token: { file: other } } }).fetch(DB, context(azure.dir))
    );
    expect(unmatched).toEqual({
      code: 'NO_IDENTITY',
      transient: false,
      message: `azure-kv: mint Entra token "azure-kv:corp-kv/db-password": Entra ID (${azure.entra.url}) found no federated credential of application ${CLIENT} that matches the OIDC token from token file ${other} (AADSTS70021). Add a federated credential whose issuer and subject are the token's, with audience api://AzureADTokenExchange`,
    });

    writeFileSync(other, 'CANARY_OIDC_NOT_A_JWT');
    const malformed = await failure(
      open({ ...settings, auth: { ...settings.auth, token: { file: other } } }).fetch(DB, context(azure.dir))
    );
    expect(malformed).toEqual({
      code: 'MINT_FAILED',
      transient: false,
      message: `azure-kv: mint Entra token "azure-kv:corp-kv/db-password": Entra ID (${azure.entra.url}) rejected the OIDC token from token file ${other} as a client assertion (AADSTS50027). The token must be a current, well-formed JWT with audience api://AzureADTokenExchange`,
    });
  });

  it("fails clearly when the vault's tenant is not the identity's", async () => {
    const settings = settingsFor(azure);
    const error = await failure(
      open({ ...settings, auth: { ...settings.auth, tenantId: 'contoso-other-tenant' } }).fetch(DB, context(azure.dir))
    );
    expect(error).toEqual({
      code: 'MINT_FAILED',
      transient: false,
      message: `azure-kv: mint Entra token "azure-kv:corp-kv/db-password": the vault belongs to tenant ${TENANT}, but the identity is in tenant contoso-other-tenant. Set auth.tenantId to the vault's tenant`,
    });
    expect(azure.entra.requests).toEqual([]);
  });

  it('Entra 5xx on the token request is transient; the next fetch mints again at once', async () => {
    const b = open();
    azure.entra.inject({ status: 503, path: TOKEN_POST });
    expect(await failure(b.fetch(DB, context(azure.dir)))).toEqual({
      code: 'UNAVAILABLE',
      transient: true,
      message: `azure-kv: mint Entra token "azure-kv:corp-kv/db-password": Entra ID (${azure.entra.url}) is unavailable (AADSTS50001). Retry later`,
    });
    // No 60-second hold (MSAL's throttling): the resolver's retry reaches Entra.
    expect((await b.fetch(DB, context(azure.dir))).text.reveal()).toBe(CANARY);
    expect(tokenPosts()).toBe(2);
  });

  it('an unreachable Entra is transient UNAVAILABLE', async () => {
    const settings = settingsFor(azure);
    azure.entra.inject({ status: 'reset' });
    const error = await failure(open(settings).fetch(DB, context(azure.dir)));
    expect(error).toEqual({
      code: 'UNAVAILABLE',
      transient: true,
      message: `azure-kv: mint Entra token "azure-kv:corp-kv/db-password": cannot read the OpenID configuration of tenant ${TENANT} from Entra ID (${azure.entra.url}). Check auth.tenantId and the authority host, that it is reachable, and that its certificate is trusted (caFile)`,
    });
  });

  it('stops waiting for a slow Entra when the signal fires: TIMEOUT', async () => {
    azure.entra.latencyMs = 5_000;
    const controller = new AbortController();
    const pending = open().fetch(DB, context(azure.dir, {}, controller.signal));
    // Not after a fixed delay: a vault request still on its way would be recorded in the next test. Entra is
    // reached only after the vault's challenge has been answered, so none is in flight then.
    await vi.waitFor(() => expect(azure.entra.requests.length).toBeGreaterThan(0), { timeout: 5_000, interval: 5 });
    controller.abort();
    expect(await failure(pending)).toEqual({
      code: 'TIMEOUT',
      transient: true,
      message: `azure-kv: read "azure-kv:corp-kv/db-password": the request to ${azure.kv.url} was aborted before an answer. Check that the vault is reachable, or raise resolve.timeoutMs`,
    });
  });

  it('close() forgets the token and the clients (Entra access tokens cannot be revoked)', async () => {
    const b = open();
    await b.fetch(DB, context(azure.dir));
    await b.close?.();
    await b.fetch(DB, context(azure.dir));
    expect(tokenPosts()).toBe(2);
    expect(azure.kv.requests.map((r) => r.bearer)).toEqual([false, true, false, true]);
  });
});
