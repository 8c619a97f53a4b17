import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAzureKvBackend } from '../../../src/backends/azure-kv/index.js';
import type { Backend } from '../../../src/contract/backend.js';
import { selectValue } from '../../../src/host/select.js';
import { parseRef } from '../../../src/ref/index.js';
import type { AzureKvRef } from '../../../src/ref/types.js';
import {
  type Azure,
  CANARY,
  CANARY_JSON,
  CANARY_OLD,
  context,
  EXPIRES,
  failure,
  OLD_VERSION,
  settingsFor,
  startAzure,
  TENANT,
} from './harness.js';

const ref = (text: string) => parseRef(text) as AzureKvRef;

let azure: Azure;
let backend: Backend<'azure-kv'> | undefined;
beforeAll(async () => {
  azure = await startAzure();
});
afterAll(() => azure.close());
afterEach(async () => {
  await backend?.close?.();
  backend = undefined;
  azure.kv.requests.length = 0;
  azure.entra.requests.length = 0;
  azure.kv.latencyMs = 0;
});

function open(): Backend<'azure-kv'> {
  backend = createAzureKvBackend(settingsFor(azure));
  return backend;
}

describe(createAzureKvBackend.name, () => {
  it('reads the current version through the challenge flow, with its version and expiry', async () => {
    const ctx = context(azure.dir);
    const document = await open().fetch(ref('azure-kv://corp-kv/db-password'), ctx);
    expect(document.text.reveal()).toBe(CANARY);
    expect(document.version).toBe('f0e1d2c3b4a5968778695a4b3c2d1e0f');
    expect(document.expiresAt).toEqual(EXPIRES);
    expect(String(document.text)).not.toContain(CANARY);
    // First request unauthenticated (the challenge), then with the minted token.
    expect(azure.kv.requests.map((r) => [r.path, r.bearer, r.apiVersion])).toEqual([
      ['/secrets/db-password/', false, '2025-07-01'],
      ['/secrets/db-password/', true, '2025-07-01'],
    ]);
    expect(azure.entra.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /${TENANT}/v2.0/.well-known/openid-configuration`,
      `POST /${TENANT}/oauth2/v2.0/token`,
    ]);
    expect(azure.entra.requests[1]).toMatchObject({
      grantType: 'client_credentials',
      scope: 'https://vault.azure.net/.default',
      assertionType: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    });
    expect(ctx.lines).toEqual(['azure-kv: credentials from workload identity from the settings']);
  });

  it('reads a pinned version, from ?version= or from the path', async () => {
    const b = open();
    const ctx = context(azure.dir);
    const pinned = await b.fetch(ref(`azure-kv://corp-kv/db-password?version=${OLD_VERSION}`), ctx);
    expect(pinned.text.reveal()).toBe(CANARY_OLD);
    expect(pinned.version).toBe(OLD_VERSION);
    expect(pinned.expiresAt).toBeUndefined();
    const inPath = await b.fetch(ref(`azure-kv://corp-kv/db-password/${OLD_VERSION}`), ctx);
    expect(inPath.text.reveal()).toBe(CANARY_OLD);
    expect(azure.kv.requests.at(-1)?.path).toBe(`/secrets/db-password/${OLD_VERSION}`);
  });

  it('gives the core a JSON document to select #key from', async () => {
    const r = ref('azure-kv://corp-kv/app-config#/db/password');
    const document = await open().fetch(r, context(azure.dir));
    expect(selectValue(document, r, 'DB_PASSWORD').reveal()).toBe(CANARY_JSON);
  });

  it('a disabled secret is NOT_FOUND with a hint', async () => {
    const error = await failure(open().fetch(ref('azure-kv://corp-kv/retired-key'), context(azure.dir)));
    expect(error).toEqual({
      code: 'NOT_FOUND',
      transient: false,
      message:
        'azure-kv: read "azure-kv:corp-kv/retired-key": the secret (or this version of it) is disabled. Enable it in the vault, or pin an enabled version with ?version=',
    });
  });

  it('maps a missing secret and a missing version to NOT_FOUND', async () => {
    const b = open();
    const missing = await failure(b.fetch(ref('azure-kv://corp-kv/nope'), context(azure.dir)));
    expect(missing).toEqual({
      code: 'NOT_FOUND',
      transient: false,
      message: `azure-kv: read "azure-kv:corp-kv/nope": no such secret in ${azure.kv.url} (SecretNotFound). Check the vault and secret names, and the version if one is given`,
    });
    const version = await failure(
      b.fetch(ref('azure-kv://corp-kv/db-password?version=00000000000000000000000000000000'), context(azure.dir))
    );
    expect(version.code).toBe('NOT_FOUND');
  });

  it('maps a missing role to DENIED with the RBAC hint', async () => {
    const error = await failure(open().fetch(ref('azure-kv://corp-kv/ops-only'), context(azure.dir)));
    expect(error).toEqual({
      code: 'DENIED',
      transient: false,
      message:
        'azure-kv: read "azure-kv:corp-kv/ops-only": the identity may not read this secret (ForbiddenByRbac). Grant it the "Key Vault Secrets User" role on the vault or the secret (RBAC), or get permission on secrets in the access policy',
    });
  });

  it('maps 5xx, throttling and a reset connection to transient UNAVAILABLE, once each (no SDK retries)', async () => {
    const b = open();
    const r = ref('azure-kv://corp-kv/db-password');
    await b.fetch(r, context(azure.dir));
    azure.kv.requests.length = 0;
    azure.kv.inject({ status: 503 });
    expect(await failure(b.fetch(r, context(azure.dir)))).toEqual({
      code: 'UNAVAILABLE',
      transient: true,
      message: 'azure-kv: read "azure-kv:corp-kv/db-password": Key Vault answered 503. Retry later',
    });
    azure.kv.inject({ status: 429 });
    expect(await failure(b.fetch(r, context(azure.dir)))).toMatchObject({ code: 'UNAVAILABLE', transient: true });
    azure.kv.inject({ status: 'reset' });
    expect(await failure(b.fetch(r, context(azure.dir)))).toEqual({
      code: 'UNAVAILABLE',
      transient: true,
      message: `azure-kv: read "azure-kv:corp-kv/db-password": cannot reach ${azure.kv.url} (ECONNRESET). Check the vault name, the endpoint and the network`,
    });
    expect(azure.kv.requests).toHaveLength(3);
  });

  it('aborts a slow request when the signal fires: TIMEOUT', async () => {
    const b = open();
    const r = ref('azure-kv://corp-kv/db-password');
    await b.fetch(r, context(azure.dir));
    azure.kv.latencyMs = 5_000;
    const controller = new AbortController();
    const seen = azure.kv.requests.length;
    const pending = b.fetch(r, context(azure.dir, {}, controller.signal));
    // Once the vault has the request, not after a fixed delay: one still on its way would be recorded in the next test.
    await vi.waitFor(() => expect(azure.kv.requests.length).toBeGreaterThan(seen), { timeout: 5_000, interval: 5 });
    controller.abort();
    expect(await failure(pending)).toEqual({
      code: 'TIMEOUT',
      transient: true,
      message: `azure-kv: read "azure-kv:corp-kv/db-password": the request to ${azure.kv.url} was aborted before an answer. Check that the vault is reachable, or raise resolve.timeoutMs`,
    });
  });

  it('fails clearly without caFile: the private CA is not trusted, nothing reaches Entra', async () => {
    const { caFile: _, ...settings } = settingsFor(azure);
    backend = createAzureKvBackend(settings);
    const error = await failure(backend.fetch(ref('azure-kv://corp-kv/db-password'), context(azure.dir)));
    expect(error).toEqual({
      code: 'UNAVAILABLE',
      transient: false,
      message: `azure-kv: read "azure-kv:corp-kv/db-password": cannot verify the TLS certificate of ${azure.kv.url} (SELF_SIGNED_CERT_IN_CHAIN). Trust the vault's CA: set caFile to its certificate (PEM), relative to the config`,
    });
    expect(azure.entra.requests).toEqual([]);
  });
});
