import { describe, expect, it } from 'vitest';
import { normaliseCredentials } from '../../../../src/config/normalise.js';
import { configSchema } from '../../../../src/config/schema.js';

const CLIENT = '0b5e1c2d-0000-4000-8000-0000000c11e7';
const SCOPE = 'https://vault.azure.net/.default';

function problems(config: Record<string, unknown>): string[] {
  const result = configSchema.safeParse(config);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('azure-token: credentials in the config', () => {
  it('default to the endpoint, keep the scope, and take env when asked', () => {
    const parsed = configSchema.parse({
      backends: { 'azure-token': { tenantId: 'tenant-1', token: { file: 'oidc.jwt' }, caFile: 'ca.pem' } },
      credentials: {
        A: `azure-token:${CLIENT}`,
        B: { ref: `azure-token:${CLIENT}`, scope: SCOPE },
        C: { ref: `azure-token:${CLIENT}`, as: 'env', env: 'KV_TOKEN', scope: SCOPE },
      },
    });
    const specs = normaliseCredentials(parsed);
    expect(specs.get('A')).toMatchObject({ delivery: 'endpoint', mint: {} });
    expect(specs.get('B')).toMatchObject({ delivery: 'endpoint', mint: { scope: SCOPE } });
    expect(specs.get('C')).toMatchObject({ delivery: 'env', envName: 'KV_TOKEN', mint: { scope: SCOPE } });
  });

  it('reject what does not apply, by path', () => {
    const ref = `azure-token:${CLIENT}`;
    expect(problems({ credentials: { A: { ref, as: 'file', scope: SCOPE } } })).toEqual([
      'credentials.A.as: azure-token: credentials are delivered as "endpoint" (the default) or "env"',
    ]);
    expect(problems({ credentials: { A: { ref, as: 'env' } } })).toEqual([
      'credentials.A.scope: azure-token: with as "env" needs the scope the token is for, e.g. "https://vault.azure.net/.default"',
    ]);
    expect(problems({ credentials: { A: { ref: 'vault:secret/db', scope: SCOPE } } })).toEqual([
      'credentials.A.scope: scope applies to azure-token: refs only',
    ]);
    expect(problems({ credentials: { A: { ref, scope: 'a b' } } })).toEqual([
      'credentials.A.scope: expected one scope such as "https://vault.azure.net/.default"',
    ]);
    expect(problems({ credentials: { A: { ref, duration: 900 } } })).toEqual([
      'credentials.A.duration: duration applies to aws-sts: refs only',
    ]);
  });

  it('check the identity settings', () => {
    expect(problems({ backends: { 'azure-token': { token: 'github' } } })).toEqual([
      'backends.azure-token.tenantId: Invalid input',
    ]);
    expect(
      problems({ backends: { 'azure-token': { tenantId: 't', token: 'github', authorityHost: 'http://127.0.0.1:1' } } })
    ).toEqual(['backends.azure-token.authorityHost: expected an https URL']);
  });
});
