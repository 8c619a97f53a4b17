import { describe, expect, it } from 'vitest';
import { createGcpTokenMints, type GcpTokenMinter } from '../../../../src/backends/gcp-token/mints.js';
import { normaliseCredentials } from '../../../../src/config/normalise.js';
import { configSchema } from '../../../../src/config/schema.js';
import { manifestEntry } from '../../../../src/egress/manifest.js';
import { BrokerError } from '../../../../src/errors.js';
import { openMetadataEndpoint } from '../../../../src/host/minted/gcp-metadata-endpoint.js';
import type { GcpAuthLibrary } from '../../../../src/login/gcp-wif.js';
import { formatRef, parseRef } from '../../../../src/ref/index.js';
import type { GcpTokenRef } from '../../../../src/ref/types.js';
import { SecretValue } from '../../../../src/scrub/secret-value.js';

const SA = 'ci@my-proj.iam.gserviceaccount.com';
const AUDIENCE = '//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci/providers/gh';
const CLOUD = 'https://www.googleapis.com/auth/cloud-platform';

function problems(credentials: Record<string, unknown>): string[] {
  const result = configSchema.safeParse({ credentials });
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('gcp-token refs', () => {
  it('name a service account by its email, and print back', () => {
    expect(parseRef(`gcp-token:${SA}`)).toMatchObject({ scheme: 'gcp-token', serviceAccount: SA });
    expect(formatRef(parseRef(`gcp-token://${SA}`))).toBe(`gcp-token:${SA}`);
    const managed = '123456789012-compute@developer.gserviceaccount.com';
    expect(parseRef(`gcp-token:${managed}`)).toMatchObject({ serviceAccount: managed });
  });

  it('refuse what is not a service account, and every parameter', () => {
    expect(() => parseRef('gcp-token:ci')).toThrow(/service account email/);
    expect(() => parseRef('gcp-token:someone@gmail.com')).toThrow(/service account email/);
    expect(() => parseRef(`gcp-token:${SA}?scope=x`)).toThrow(/takes none|no parameters/);
  });
});

describe('gcp-token entries in the config', () => {
  it('default to the metadata endpoint and cloud-platform, and keep the scopes', () => {
    const specs = normaliseCredentials(
      configSchema.parse({
        credentials: {
          A: `gcp-token:${SA}`,
          B: { ref: `gcp-token:${SA}`, as: 'env', env: 'CLOUDSDK_AUTH_ACCESS_TOKEN', scopes: [CLOUD] },
        },
      })
    );
    expect(specs.get('A')).toMatchObject({ delivery: 'endpoint', mint: {} });
    expect(specs.get('B')).toMatchObject({
      delivery: 'env',
      envName: 'CLOUDSDK_AUTH_ACCESS_TOKEN',
      mint: { scopes: [CLOUD] },
    });
  });

  it('reject deliveries and options that do not apply, by path', () => {
    expect(problems({ A: { ref: `gcp-token:${SA}`, as: 'file' } })).toEqual([
      'credentials.A.as: gcp-token: credentials are delivered as "endpoint" (the default) or "env" (with `env` naming the variable)',
    ]);
    expect(problems({ A: { ref: `gcp-token:${SA}`, as: 'env' } })).toEqual([
      'credentials.A.env: gcp-token: as "env" needs `env` naming the variable (Google has no standard one; gcloud reads CLOUDSDK_AUTH_ACCESS_TOKEN)',
    ]);
    expect(problems({ A: { ref: 'vault:secret/db', scopes: [CLOUD] } })).toEqual([
      'credentials.A.scopes: scopes applies to gcp-token: refs only',
    ]);
    expect(problems({ A: { ref: `gcp-token:${SA}`, scopes: ['cloud-platform'] } })).toHaveLength(1);
    expect(problems({ A: { ref: `gcp-token:${SA}`, scopes: [] } })).toHaveLength(1);
    expect(problems({ A: { ref: `gcp-token:${SA}`, duration: 900 } })).toEqual([
      'credentials.A.duration: duration applies to aws-sts: refs only',
    ]);
  });

  it('validate the identity, and the manifest shows what is minted and where it goes', () => {
    expect(configSchema.safeParse({ backends: { 'gcp-token': { audience: 'x', token: 'github' } } }).success).toBe(
      false
    );
    const config = configSchema.parse({
      backends: { 'gcp-token': { audience: AUDIENCE, token: 'github' } },
      credentials: { A: `gcp-token:${SA}` },
    });
    const spec = normaliseCredentials(config).get('A')!;
    const entry = manifestEntry(spec, {
      backends: config.backends,
      egress: { enabled: true, source: 'config' },
      env: {},
      baseDir: '/',
    });
    expect(entry.delivery).toEqual({ as: 'endpoint', env: 'GCE_METADATA_HOST' });
    expect(entry.badge).toBe('managed-cloud');
    expect(entry.minted).toMatchObject({
      what: expect.stringContaining(SA),
      identity: expect.stringContaining('GitHub Actions OIDC'),
      scope: `scopes ${CLOUD}`,
      ends: expect.stringContaining('closes when the test ends'),
    });
  });
});

describe('gcp-token mints', () => {
  const ref = parseRef(`gcp-token:${SA}`) as GcpTokenRef;
  const ctx = { env: {}, baseDir: '/', signal: new AbortController().signal };
  const settings = { audience: AUDIENCE, token: { env: 'OIDC' } } as const;

  function fakeMinter(lifetimeMs: number, now: () => number) {
    const calls: { scopes: readonly string[] | undefined; impersonationUrl: string | undefined }[] = [];
    const minter: GcpTokenMinter = async (_library, config) => {
      calls.push({ scopes: config.scopes, impersonationUrl: config.impersonationUrl });
      return {
        value: new SecretValue(`ya29.SENTINEL-${calls.length}`, 'test'),
        expiresAt: new Date(now() + lifetimeMs),
      };
    };
    return { calls, minter };
  }

  it('share one mint per service account and scopes, and mint again before the library would refresh', async () => {
    let clock = 1_000_000;
    const now = () => clock;
    const { calls, minter } = fakeMinter(3600_000, now);
    const mints = createGcpTokenMints(settings, { now, minter, library: {} as GcpAuthLibrary });
    const [a, b] = await Promise.all([mints.token(ref, {}, ctx), mints.token(ref, {}, ctx)]);
    expect(a).toBe(b);
    expect(calls).toEqual([
      {
        scopes: [CLOUD],
        impersonationUrl: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${encodeURIComponent(SA)}:generateAccessToken`,
      },
    ]);
    // Other scopes are another token.
    await mints.token(ref, { scopes: ['https://www.googleapis.com/auth/devstorage.read_only'] }, ctx);
    expect(mints.mints).toBe(2);
    // 51 minutes on: still 9 minutes left, inside the 10-minute window (and outside the library's 5): a new mint.
    clock += 51 * 60_000;
    const c = await mints.token(ref, {}, ctx);
    expect(c).not.toBe(a);
    expect(mints.mints).toBe(3);
  });

  it('refuse with the hint when no identity is defined', async () => {
    const mints = createGcpTokenMints(undefined);
    await expect(mints.token(ref, {}, ctx)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      hint: expect.stringContaining("backends: { 'gcp-token'"),
    });
  });
});

describe('the per-test GCE metadata server', () => {
  const TOKEN = 'ya29.SENTINEL-ACCESS';

  async function open(token = async () => ({ accessToken: TOKEN, expiresAt: new Date(Date.now() + 600_000) })) {
    return openMetadataEndpoint({ serviceAccount: SA, scopes: [CLOUD], token });
  }

  const get = (host: string, path: string, headers: Record<string, string> = { 'Metadata-Flavor': 'Google' }) =>
    fetch(`http://${host}${path}`, { headers });

  it('speaks what gcp-metadata asks, with the Metadata-Flavor header both ways', async () => {
    const endpoint = await open();
    expect(endpoint.host).toMatch(/^127\.0\.0\.1:\d+$/);
    const token = await get(
      endpoint.host,
      `/computeMetadata/v1/instance/service-accounts/default/token?scopes=${CLOUD}`
    );
    expect(token.status).toBe(200);
    expect(token.headers.get('metadata-flavor')).toBe('Google');
    const body = (await token.json()) as { access_token: string; expires_in: number; token_type: string };
    expect(body.access_token).toBe(TOKEN);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBeGreaterThan(590);
    expect(body.expires_in).toBeLessThanOrEqual(600);
    const byEmail = await get(endpoint.host, `/computeMetadata/v1/instance/service-accounts/${SA}/token`);
    expect(byEmail.status).toBe(200);
    for (const [path, text] of [
      ['/', 'computeMetadata/\n'],
      ['/computeMetadata/v1/instance/service-accounts/default/email', SA],
      ['/computeMetadata/v1/project/project-id', 'my-proj'],
      ['/computeMetadata/v1/universe/universe-domain', 'googleapis.com'],
      ['/computeMetadata/v1/instance/service-accounts/default/scopes', `${CLOUD}\n`],
    ] as const) {
      const answer = await get(endpoint.host, path);
      expect([answer.status, answer.headers.get('metadata-flavor'), await answer.text()]).toEqual([
        200,
        'Google',
        text,
      ]);
    }
    // ID tokens and other accounts are not served.
    expect((await get(endpoint.host, '/computeMetadata/v1/instance/service-accounts/default/identity')).status).toBe(
      404
    );
    expect(
      (await get(endpoint.host, '/computeMetadata/v1/instance/service-accounts/x@y.iam.gserviceaccount.com/token'))
        .status
    ).toBe(404);
    await endpoint.close();
  });

  it('refuses requests without the header or relayed by a proxy, as the real server does', async () => {
    const endpoint = await open();
    const path = '/computeMetadata/v1/instance/service-accounts/default/token';
    for (const headers of [
      {},
      { 'Metadata-Flavor': 'google-ish' },
      { 'Metadata-Flavor': 'Google', 'X-Forwarded-For': '1.2.3.4' },
    ]) {
      const answer = await get(endpoint.host, path, headers);
      expect(answer.status).toBe(403);
      expect(await answer.text()).not.toContain('SENTINEL');
    }
    await endpoint.close();
  });

  it('is released only with its release token, then refuses connections', async () => {
    const endpoint = await open();
    expect((await fetch(endpoint.url, { method: 'DELETE', headers: { 'Metadata-Flavor': 'Google' } })).status).toBe(
      403
    );
    const released = await fetch(endpoint.url, { method: 'DELETE', headers: { authorization: endpoint.release } });
    expect(released.status).toBe(204);
    await endpoint.closed;
    await expect(get(endpoint.host, '/computeMetadata/v1/instance/service-accounts/default/token')).rejects.toThrow();
  });

  it('reports a failed mint by its code, never by its text', async () => {
    const endpoint = await open(async () => {
      throw new BrokerError('MINT_FAILED', 'STS said SENTINEL-CLAIM', { hint: 'x' });
    });
    const answer = await get(endpoint.host, '/computeMetadata/v1/instance/service-accounts/default/token');
    expect(answer.status).toBe(500);
    expect(await answer.text()).toBe('minting failed (MINT_FAILED)');
    await endpoint.close();
  });
});
