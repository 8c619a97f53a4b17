import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, type GcpFakes, OIDC_TOKEN, SERVICE_ACCOUNT, startGcpFakes } from './harness.js';

// What Google's STS and IAM Credentials refuse, the local ones refuse; what they mint is bound to its scopes.
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
let fakes: GcpFakes;
beforeAll(async () => {
  fakes = await startGcpFakes();
});
afterAll(() => fakes.close());

async function sts(scope: string | undefined): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    subject_token: OIDC_TOKEN,
    audience: AUDIENCE,
    ...(scope === undefined ? {} : { scope }),
  });
  const response = await fetch(fakes.auth.tokenUrl, { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function impersonate(federated: string, body: Record<string, unknown>) {
  const response = await fetch(fakes.auth.impersonationUrl(SERVICE_ACCOUNT), {
    method: 'POST',
    headers: { authorization: `Bearer ${federated}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the local Google STS and IAM Credentials, strict like the real ones', () => {
  it('refuses a token exchange without scope', async () => {
    expect(await sts(undefined)).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'Scope(s) must be provided.' },
    });
  });

  it('binds tokens to their scopes: a token for another scope is no good to Secret Manager', async () => {
    const narrow = await sts('https://www.googleapis.com/auth/devstorage.read_only');
    const token = String(narrow.body['access_token']);
    expect(fakes.auth.isValid(token)).toBe(true);
    expect(fakes.auth.isValid(token, CLOUD_PLATFORM)).toBe(false);
    const broad = String((await sts(CLOUD_PLATFORM)).body['access_token']);
    expect(fakes.auth.isValid(broad, CLOUD_PLATFORM)).toBe(true);
  });

  it('honours the lifetime asked at impersonation, and refuses one beyond an hour', async () => {
    const federated = String((await sts(CLOUD_PLATFORM)).body['access_token']);
    const short = await impersonate(federated, { scope: [CLOUD_PLATFORM], lifetime: '600s' });
    expect(short.status).toBe(200);
    const lasts = Date.parse(String(short.body['expireTime'])) - Date.now();
    expect(lasts).toBeGreaterThan(500_000);
    expect(lasts).toBeLessThanOrEqual(600_000);
    expect((await impersonate(federated, { scope: [CLOUD_PLATFORM], lifetime: '7200s' })).status).toBe(400);
    expect((await impersonate(federated, { scope: [CLOUD_PLATFORM], lifetime: 'soon' })).status).toBe(400);
  });
});
