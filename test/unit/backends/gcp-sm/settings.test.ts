import { describe, expect, it } from 'vitest';
import { gcpSmSettingsSchema } from '../../../../src/backends/gcp-sm/settings.js';

const AUDIENCE =
  '//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/ci-prov';

describe('gcpSmSettingsSchema', () => {
  it.each([
    [{}],
    [{ auth: { method: 'default' } }],
    [{ endpoint: 'https://secretmanager.europe-west1.rep.googleapis.com', caFile: 'ca.pem' }],
    [{ auth: { method: 'workload-identity', audience: AUDIENCE, token: 'github' } }],
    [
      {
        auth: {
          method: 'workload-identity',
          audience: AUDIENCE,
          token: { file: '/var/run/secrets/tokens/gcp' },
          serviceAccount: 'ci@my-proj.iam.gserviceaccount.com',
          tokenUrl: 'http://127.0.0.1:8080/v1/token',
          impersonationUrl: 'http://127.0.0.1:8080/v1/projects/-/serviceAccounts/ci@x:generateAccessToken',
        },
      },
    ],
  ])('accepts %j', (settings) => {
    expect(gcpSmSettingsSchema.safeParse(settings).success).toBe(true);
  });

  it.each([
    ['an unknown method', { auth: { method: 'key-file' } }],
    [
      'an audience that is not a provider',
      { auth: { method: 'workload-identity', audience: 'my-pool', token: 'github' } },
    ],
    ['no token source', { auth: { method: 'workload-identity', audience: AUDIENCE } }],
    [
      'a service account that is not an email',
      { auth: { method: 'workload-identity', audience: AUDIENCE, token: 'github', serviceAccount: 'ci' } },
    ],
    ['an unknown field', { auth: { method: 'default', keyFile: 'k.json' } }],
    ['a bare host as endpoint', { endpoint: 'localhost:8443' }],
  ])('rejects %s', (_what, settings) => {
    expect(gcpSmSettingsSchema.safeParse(settings).success).toBe(false);
  });
});
