import { describe, expect, it } from 'vitest';
import { inlineCredential } from '../../../src/config/normalise.js';
import type { BrokerConfig } from '../../../src/config/schema.js';
import { buildManifest } from '../../../src/egress/manifest.js';
import { renderManifest } from '../../../src/egress/render.js';
import { parseRef } from '../../../src/ref/index.js';

const credentials = [
  inlineCredential('DB', parseRef('vault:secret/db#url'), 'config'),
  inlineCredential('API', parseRef('aws-sm://prod/api'), 'config'),
  inlineCredential('KUBE', parseRef('gcp-sm://my-proj/kube'), 'config'),
  inlineCredential('CERT', parseRef('azure-kv://my-vault/cert'), 'config'),
  inlineCredential('LOCAL', parseRef('env:LOCAL'), 'config'),
];

const github = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.actions.githubusercontent.com/abc/_apis/token?api-version=2.0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'CANARY_runtime_bearer',
};

function manifest(backends: BrokerConfig['backends'], env: Record<string, string> = {}, enabled = true) {
  return buildManifest({
    credentials,
    backends,
    egress: { enabled, source: 'flag' },
    env,
    baseDir: '/project',
  });
}

describe('manifest logins', () => {
  it('lists every token exchange of the configured identities, badged from the real endpoints', () => {
    const { logins } = manifest(
      {
        vault: { address: 'https://vault.internal:8200', auth: { method: 'jwt', role: 'ci', token: 'github' } },
        'aws-sm': {
          region: 'eu-west-1',
          auth: { method: 'web-identity', roleArn: 'arn:aws:iam::123456789012:role/ci', token: 'github' },
        },
        'gcp-sm': {
          auth: {
            method: 'workload-identity',
            audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q',
            token: { file: '/var/run/secrets/tokens/gcp' },
            serviceAccount: 'ci@my-proj.iam.gserviceaccount.com',
          },
        },
        'azure-kv': { auth: { method: 'workload-identity', tenantId: 't-1', clientId: 'c-1', token: { env: 'OIDC' } } },
      },
      github
    );
    expect(
      logins.map((l) => [l.backend, l.method, l.token, l.endpoints.map((p) => `${p.badge} ${p.endpoint}`)])
    ).toEqual([
      [
        'vault',
        'jwt login, role ci',
        'GitHub Actions OIDC',
        [
          'managed-cloud https://pipelines.actions.githubusercontent.com',
          'self-hosted https://vault.internal:8200/v1/auth/jwt/login',
        ],
      ],
      [
        'aws-sm',
        'web-identity, role arn:aws:iam::123456789012:role/ci',
        'GitHub Actions OIDC',
        [
          'managed-cloud https://pipelines.actions.githubusercontent.com',
          'managed-cloud https://sts.eu-west-1.amazonaws.com',
        ],
      ],
      [
        'gcp-sm',
        'workload identity federation, as ci@my-proj.iam.gserviceaccount.com',
        'token file /var/run/secrets/tokens/gcp',
        [
          'managed-cloud https://sts.googleapis.com/v1/token',
          'managed-cloud https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/ci%40my-proj.iam.gserviceaccount.com:generateAccessToken',
        ],
      ],
      [
        'azure-kv',
        'workload identity, client c-1',
        'env:OIDC',
        ['managed-cloud https://login.microsoftonline.com/t-1/oauth2/v2.0/token'],
      ],
    ]);
  });

  it('takes the identities the platforms set up from the environment (EKS IRSA, AKS workload identity)', () => {
    const { logins } = manifest(
      {},
      {
        AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/irsa',
        AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
        AWS_REGION: 'cn-north-1',
        AZURE_TENANT_ID: 't-2',
        AZURE_CLIENT_ID: 'c-2',
        AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
      }
    );
    expect(logins.map((l) => `${l.backend}: ${l.method} → ${l.endpoints.map((p) => p.endpoint).join(', ')}`)).toEqual([
      'vault: token from $VAULT_TOKEN or ~/.vault-token → ',
      'aws-sm: web-identity, role arn:aws:iam::123456789012:role/irsa (from $AWS_ROLE_ARN) → https://sts.cn-north-1.amazonaws.com.cn',
      'gcp-sm: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, metadata server) → ',
      'azure-kv: workload identity, client c-2 → https://login.microsoftonline.com/t-2/oauth2/v2.0/token',
    ]);
  });

  it('shows the Entra host the client contacts: $AZURE_AUTHORITY_HOST also for an identity in the settings', () => {
    const azure = (auth: { authorityHost?: string }) =>
      manifest(
        {
          'azure-kv': {
            auth: { method: 'workload-identity', tenantId: 't-1', clientId: 'c-1', token: 'kubernetes', ...auth },
          },
        },
        { AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us' }
      )
        .logins.find((l) => l.backend === 'azure-kv')
        ?.endpoints.map((p) => p.endpoint);
    expect(azure({})).toEqual(['https://login.microsoftonline.us/t-1/oauth2/v2.0/token']);
    expect(azure({ authorityHost: 'https://entra.example' })).toEqual(['https://entra.example/t-1/oauth2/v2.0/token']);
  });

  it('lists no login while egress is off: nothing is resolved over the network', () => {
    expect(manifest({ 'aws-sm': { auth: { method: 'default' } } }, {}, false).logins).toEqual([]);
  });

  it('renders the logins under the table', () => {
    const text = renderManifest(
      manifest(
        {
          'aws-sm': { auth: { method: 'web-identity', roleArn: 'arn:aws:iam::123456789012:role/ci', token: 'github' } },
        },
        github
      ),
      'terminal',
      { unicode: true, columns: 300 }
    );
    expect(text).toContain(
      [
        'logins:',
        '  vault logs in with token from $VAULT_TOKEN or ~/.vault-token',
        '  aws-sm logs in with web-identity, role arn:aws:iam::123456789012:role/ci (OIDC token from GitHub Actions OIDC) → ☁️ https://pipelines.actions.githubusercontent.com, ☁️ https://sts.us-east-1.amazonaws.com',
      ].join('\n')
    );
    expect(text).not.toContain('CANARY');
  });
});
