import { describe, expect, it } from 'vitest';
import {
  type AzureAccessToken,
  AzureMintFailure,
  cacheAzureCredential,
} from '../../../../src/login/azure-token-cache.js';
import { classifyEntraError } from '../../../../src/login/azure-wi.js';

const SCOPE = 'https://vault.azure.net/.default';
const HOUR = 3_600_000;

function minter(lifetimeMs = HOUR, clock: { t: number } = { t: 0 }) {
  const calls: Array<{ scopes: string[]; tenantId?: string | undefined; claims?: string | undefined }> = [];
  const mint = async (scopes: string[], options: { tenantId?: string | undefined; claims?: string | undefined }) => {
    calls.push({ scopes, tenantId: options.tenantId, claims: options.claims });
    const token: AzureAccessToken = { token: `token-${calls.length}`, expiresOnTimestamp: clock.t + lifetimeMs };
    return token;
  };
  return { mint, calls };
}

describe(cacheAzureCredential.name, () => {
  it('mints once for concurrent and later requests, and reports the re-mint point as the expiry', async () => {
    const clock = { t: 1_000_000 };
    const { mint, calls } = minter(HOUR, clock);
    const credential = cacheAzureCredential(mint, { now: () => clock.t, classify: (e) => e });
    const tokens = await Promise.all([1, 2, 3].map(() => credential.getToken([SCOPE], { tenantId: 't' })));
    expect(tokens.map((t) => t?.token)).toEqual(['token-1', 'token-1', 'token-1']);
    // Five minutes before the real expiry: the SDK comes back then and waits for the new token.
    expect(tokens[0]?.expiresOnTimestamp).toBe(clock.t + HOUR - 5 * 60_000);
    clock.t += HOUR - 5 * 60_000 - 1;
    expect((await credential.getToken(SCOPE, { tenantId: 't' }))?.token).toBe('token-1');
    clock.t += 1;
    expect((await credential.getToken(SCOPE, { tenantId: 't' }))?.token).toBe('token-2');
    expect(credential.mints).toBe(2);
    expect(calls).toHaveLength(2);
  });

  it('re-mints short-lived tokens at half their lifetime', async () => {
    const clock = { t: 0 };
    const { mint } = minter(120_000, clock);
    const credential = cacheAzureCredential(mint, { now: () => clock.t, classify: (e) => e });
    expect((await credential.getToken(SCOPE))?.expiresOnTimestamp).toBe(60_000);
    clock.t = 60_000;
    expect((await credential.getToken(SCOPE))?.token).toBe('token-2');
  });

  it('a claims challenge (CAE) or invalidate() forces a new token; scopes and tenants are kept apart', async () => {
    const { mint, calls } = minter();
    const credential = cacheAzureCredential(mint, { now: () => 0, classify: (e) => e });
    await credential.getToken(SCOPE, { tenantId: 't' });
    await credential.getToken(SCOPE, { tenantId: 't', claims: '{"access_token":{}}' });
    credential.invalidate();
    await credential.getToken(SCOPE, { tenantId: 't' });
    await credential.getToken('https://vault.azure.cn/.default', { tenantId: 't' });
    expect(calls.map((c) => [c.scopes[0], c.claims])).toEqual([
      [SCOPE, undefined],
      [SCOPE, '{"access_token":{}}'],
      [SCOPE, undefined],
      ['https://vault.azure.cn/.default', undefined],
    ]);
  });

  it("refuses a challenge from another tenant than the identity's, without minting", async () => {
    const { mint, calls } = minter();
    const credential = cacheAzureCredential(mint, { tenantId: 'Tenant-A', classify: (e) => e });
    await credential.getToken(SCOPE, { tenantId: 'tenant-a' });
    const error = await credential.getToken(SCOPE, { tenantId: 'tenant-b' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureMintFailure);
    expect((error as AzureMintFailure).reason).toBe(
      'the vault belongs to tenant tenant-b, but the identity is in tenant Tenant-A'
    );
    expect(calls).toHaveLength(1);
  });

  it('does not keep a failure: the next request mints again', async () => {
    let fail = true;
    const credential = cacheAzureCredential(
      async () => {
        if (fail) {
          fail = false;
          throw new Error('boom');
        }
        return { token: 'ok', expiresOnTimestamp: Date.now() + HOUR };
      },
      { classify: () => new AzureMintFailure('UNAVAILABLE', 'down', 'later', true) }
    );
    await expect(credential.getToken(SCOPE)).rejects.toMatchObject({ reason: 'down', transient: true });
    expect((await credential.getToken(SCOPE))?.token).toBe('ok');
  });

  it('stops waiting when the abort signal fires', async () => {
    const credential = cacheAzureCredential(() => new Promise<never>(() => {}), { classify: (e) => e });
    const controller = new AbortController();
    const pending = credential.getToken(SCOPE, { abortSignal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe(classifyEntraError.name, () => {
  const identity = {
    tenantId: 'tenant',
    clientId: 'client',
    token: 'kubernetes' as const,
    authorityHost: 'https://login.microsoftonline.com',
    from: 'settings' as const,
  };

  it("keeps only the AADSTS number of Entra's text", () => {
    const error = classifyEntraError(
      Object.assign(new Error('invalid_client: Error(s): 7000215 - Description: AADSTS7000215: CANARY_ECHOED_VALUE'), {
        name: 'AuthenticationRequiredError',
      }),
      identity
    ) as AzureMintFailure;
    expect([error.code, error.reason, error.transient]).toEqual([
      'MINT_FAILED',
      'Entra ID (https://login.microsoftonline.com) refused the token request (AADSTS7000215)',
      false,
    ]);
  });

  it("DefaultAzureCredential's failures are NO_IDENTITY with the ways to provide one", () => {
    const error = classifyEntraError(
      Object.assign(new Error('CANARY DefaultAzureCredential failed'), { name: 'AggregateAuthenticationError' }),
      undefined
    ) as AzureMintFailure;
    expect([error.code, error.reason, error.hint]).toEqual([
      'NO_IDENTITY',
      'DefaultAzureCredential got no token (AggregateAuthenticationError)',
      'Configure auth as { method: "workload-identity", tenantId, clientId, token }, or provide a source DefaultAzureCredential reads (AZURE_* env vars, workload identity, managed identity, az login)',
    ]);
  });
});
