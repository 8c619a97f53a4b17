import { describe, expect, it } from 'vitest';
import { openCredentialsEndpoint } from '../../../../src/host/minted/endpoint.js';

const BODY = {
  AccessKeyId: 'ASIAEXAMPLE',
  SecretAccessKey: 'SENTINEL-SECRET-KEY',
  Token: 'SENTINEL-TOKEN',
  Expiration: '2030-01-01T00:00:00Z',
};

describe('the per-test credentials endpoint', () => {
  it('answers its own token only, on loopback, and refuses for good once released', async () => {
    let revoked = 0;
    const endpoint = await openCredentialsEndpoint(
      async () => BODY,
      async () => {
        revoked += 1;
      }
    );
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/credentials$/);
    const ok = await fetch(endpoint.url, { headers: { authorization: endpoint.token } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(BODY);

    const wrong = await fetch(endpoint.url, { headers: { authorization: `${endpoint.token.slice(0, -1)}x` } });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).not.toContain('SENTINEL');
    expect((await fetch(endpoint.url)).status).toBe(403);

    // Only the holder can release it.
    expect((await fetch(endpoint.url, { method: 'DELETE' })).status).toBe(403);
    expect((await fetch(endpoint.url, { method: 'DELETE', headers: { authorization: endpoint.token } })).status).toBe(
      204
    );
    await endpoint.closed;
    expect(revoked).toBe(1);
    await expect(fetch(endpoint.url, { headers: { authorization: endpoint.token } })).rejects.toThrow();
    await endpoint.close();
    expect(revoked).toBe(1);
  });

  it('reports a failed mint by its code, never by its text', async () => {
    const { BrokerError } = await import('../../../../src/errors.js');
    const endpoint = await openCredentialsEndpoint(async () => {
      throw new BrokerError('MINT_FAILED', 'STS said SENTINEL-CLAIM', { hint: 'x' });
    });
    const answer = await fetch(endpoint.url, { headers: { authorization: endpoint.token } });
    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ message: 'minting failed (MINT_FAILED)' });
    await endpoint.close();
  });
});
