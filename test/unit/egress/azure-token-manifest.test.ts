import { describe, expect, it } from 'vitest';
import { type CredentialSpec, inlineCredential } from '../../../src/config/normalise.js';
import { buildManifest } from '../../../src/egress/manifest.js';
import { parseRef } from '../../../src/ref/index.js';

const CLIENT = '0b5e1c2d-0000-4000-8000-0000000c11e7';
const TENANT = '72f988bf-0000-4000-8000-00000000a11e';

const spec: CredentialSpec = {
  ...inlineCredential('AZURE_KV', parseRef(`azure-token:${CLIENT}`), 'config'),
  mint: { scope: 'https://vault.azure.net/.default' },
};

const input = (enabled: boolean, withIdentity = true) => ({
  credentials: [spec],
  backends: withIdentity ? { 'azure-token': { tenantId: TENANT, token: 'github' as const } } : {},
  egress: { enabled, source: enabled ? ('flag' as const) : ('default' as const) },
  env: { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.actions.githubusercontent.com/abc/token' },
  baseDir: '/project',
});

describe('azure-token: in the manifest', () => {
  it('shows what is minted, from which identity, its scope, lifetime, end, endpoints and badges', () => {
    const manifest = buildManifest(input(true));
    const [entry] = manifest.credentials;
    expect(entry).toMatchObject({
      name: 'AZURE_KV',
      scheme: 'azure-token',
      network: true,
      status: 'resolve',
      delivery: { as: 'endpoint', env: 'IDENTITY_ENDPOINT' },
      source: { endpoint: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`, badge: 'managed-cloud' },
      destination: { endpoint: 'https://vault.azure.net', badge: 'managed-cloud' },
      minted: {
        what: `an Entra access token of application ${CLIENT} (federated client assertion)`,
        scope: 'https://vault.azure.net/.default',
        ends: 'expires (Entra tokens cannot be revoked); the endpoint refuses once the test ends',
      },
    });
    expect(entry?.minted?.identity).toContain(`tenant ${TENANT}`);
    expect(manifest.logins.map((l) => [l.backend, l.endpoints.map((e) => e.endpoint)])).toEqual([
      [
        'azure-token',
        [
          'https://pipelines.actions.githubusercontent.com',
          `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
        ],
      ],
    ]);
  });

  it('is skipped with the reason while egress is off, and says when no identity is defined', () => {
    const [off] = buildManifest(input(false)).credentials;
    expect(off?.status).toBe('skipped-egress-disabled');
    expect(off?.reason).toMatch(/egress/);
    const [none] = buildManifest(input(true, false)).credentials;
    expect(none?.minted?.identity).toBe("none: define backends['azure-token']");
  });
});
