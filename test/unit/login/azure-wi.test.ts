import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AzureGetTokenOptions } from '../../../src/login/azure-token-cache.js';
import { createAzureWorkloadIdentityCredential } from '../../../src/login/azure-wi.js';

const SCOPE = 'https://vault.azure.net/.default';
const TENANT = '72f988bf-0000-4000-8000-00000000a11e';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'azure-wi-'));
  await writeFile(join(dir, 'token'), 'CANARY_OIDC_azure_wi');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A credential over a fake SDK credential that reads the assertion, then waits for `answer` (or its signal). */
function credentialWith(signal: AbortSignal, answer: Promise<void> = Promise.resolve()) {
  const seen: Array<AzureGetTokenOptions | undefined> = [];
  let asserted = (): void => {};
  const assertionRead = new Promise<void>((resolve) => {
    asserted = resolve;
  });
  const credential = createAzureWorkloadIdentityCredential({
    identity: {
      tenantId: TENANT,
      clientId: 'client',
      token: { file: 'token' },
      authorityHost: 'https://e',
      from: 'settings',
    },
    ctx: { env: {}, baseDir: dir },
    signal,
    newCredential: (_identity, getAssertion) => ({
      async getToken(_scopes, options) {
        seen.push(options);
        await getAssertion();
        asserted();
        await new Promise<void>((resolve, reject) => {
          options?.abortSignal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
          void answer.then(resolve);
        });
        return { token: 'minted', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    }),
  });
  return { credential, seen, assertionRead };
}

describe(createAzureWorkloadIdentityCredential.name, () => {
  it("mints for every waiter even when the fetch that started the mint gives up (its signal is not the mint's)", async () => {
    const { credential } = credentialWith(new AbortController().signal);
    const gaveUp = new AbortController();
    gaveUp.abort();
    const first = credential.getToken([SCOPE], { tenantId: TENANT, abortSignal: gaveUp.signal });
    const second = credential.getToken([SCOPE], { tenantId: TENANT });
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    expect((await second)?.token).toBe('minted');
    expect(credential.mints).toBe(1);
  });

  it("hands the SDK the backend's lifetime signal, so that close() ends a mint in flight", async () => {
    const lifetime = new AbortController();
    const { credential, seen, assertionRead } = credentialWith(lifetime.signal, new Promise<void>(() => {}));
    const pending = credential.getToken([SCOPE], { tenantId: TENANT });
    await assertionRead;
    lifetime.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen.map((options) => options?.abortSignal)).toEqual([lifetime.signal]);
  });
});
