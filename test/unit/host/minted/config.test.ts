import { describe, expect, it } from 'vitest';
import { normaliseCredentials } from '../../../../src/config/normalise.js';
import { configSchema } from '../../../../src/config/schema.js';
import { parseRef } from '../../../../src/ref/index.js';

const ROLE = 'arn:aws:iam::123456789012:role/ci-tests';

function problems(credentials: Record<string, unknown>): string[] {
  const result = configSchema.safeParse({ credentials });
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('minted refs in the config', () => {
  it('parse and print back', () => {
    expect(parseRef(`aws-sts:${ROLE}`)).toMatchObject({ scheme: 'aws-sts', roleArn: ROLE });
    expect(parseRef('vault-token:ci-reader')).toMatchObject({ scheme: 'vault-token', role: 'ci-reader' });
    expect(() => parseRef('aws-sts:arn:aws:iam::123:role/x')).toThrow(/IAM role ARN/);
    expect(() => parseRef('vault-token:a/b')).toThrow(/token role name character/);
  });

  it('default to the endpoint (AWS) and env (Vault), and keep the mint options', () => {
    const parsed = configSchema.parse({
      credentials: {
        A: `aws-sts:${ROLE}`,
        B: { ref: `aws-sts:${ROLE}`, as: 'env', duration: 1800, sessionPolicy: { Version: '2012-10-17' } },
        V: { ref: 'vault-token:ci', policies: ['reader'], ttl: '10m', numUses: 3 },
      },
    });
    const specs = normaliseCredentials(parsed);
    expect(specs.get('A')).toMatchObject({ delivery: 'endpoint', mint: {} });
    expect(specs.get('B')).toMatchObject({
      delivery: 'env',
      mint: { durationSeconds: 1800, policy: '{"Version":"2012-10-17"}' },
    });
    expect(specs.get('V')).toMatchObject({ delivery: 'env', mint: { policies: ['reader'], ttl: '10m', numUses: 3 } });
  });

  it('reject options that do not apply, by path', () => {
    expect(problems({ A: { ref: 'vault:secret/db', as: 'endpoint' } })).toEqual([
      'credentials.A.as: "endpoint" applies to aws-sts:, gcp-token: and azure-token: refs only',
    ]);
    expect(problems({ A: { ref: `aws-sts:${ROLE}`, as: 'file' } })).toEqual([
      'credentials.A.as: aws-sts: credentials are delivered as "endpoint" (the default) or "env"',
    ]);
    expect(problems({ A: { ref: 'vault-token:ci', as: 'endpoint' } })).toContain(
      'credentials.A.as: vault-token: credentials are delivered as "env" (VAULT_TOKEN and VAULT_ADDR)'
    );
    expect(problems({ A: { ref: 'env:X', duration: 900, ttl: '5m' } })).toEqual([
      'credentials.A.duration: duration applies to aws-sts: refs only',
      'credentials.A.ttl: ttl applies to vault-token: refs only',
    ]);
    // STS's minimum stays the minimum.
    expect(problems({ A: { ref: `aws-sts:${ROLE}`, duration: 60 } })).toHaveLength(1);
  });
});
