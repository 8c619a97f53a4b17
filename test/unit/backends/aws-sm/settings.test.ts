import { describe, expect, it } from 'vitest';
import { awsSmSettingsSchema } from '../../../../src/backends/aws-sm/settings.js';
import { validateConfig } from '../../../../src/config/load.js';

const ROLE = 'arn:aws:iam::123456789012:role/ci';

function problems(settings: unknown): string {
  try {
    validateConfig({ backends: { 'aws-sm': settings } }, 'test', '/tmp');
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('awsSmSettingsSchema', () => {
  it('accepts web identity with every option, default, and no auth', () => {
    const webIdentity = {
      method: 'web-identity',
      roleArn: ROLE,
      token: { file: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' },
      sessionName: 'ci-run',
      durationSeconds: 3600,
      policy: { Version: '2012-10-17', Statement: [] },
      audience: 'sts.amazonaws.com',
      stsRegion: 'eu-west-1',
      stsEndpoint: 'https://sts.eu-west-1.amazonaws.com',
    };
    for (const auth of [webIdentity, { method: 'default' }, undefined]) {
      expect(awsSmSettingsSchema.safeParse({ region: 'eu-west-1', auth }).success).toBe(true);
    }
    expect(
      awsSmSettingsSchema.safeParse({ auth: { method: 'web-identity', roleArn: ROLE, token: 'github' } }).success
    ).toBe(true);
  });

  it('refuses a bad role ARN, a short duration, an oversized policy, unknown keys and static keys', () => {
    const base = { method: 'web-identity', roleArn: ROLE, token: 'github' };
    const bad = [
      { ...base, roleArn: 'arn:aws:iam::123:user/ci' },
      { ...base, durationSeconds: 60 },
      { ...base, policy: { Statement: 'x'.repeat(2100) } },
      { ...base, sessionName: 'a' },
      { ...base, secretAccessKey: 'CANARY_static' },
      { method: 'static', accessKeyId: 'AKIA', secretAccessKey: 'CANARY_static' },
      { method: 'default', profile: 'x' },
    ];
    for (const auth of bad) {
      expect(awsSmSettingsSchema.safeParse({ auth }).success).toBe(false);
    }
  });

  it('names the field and what was expected, never the value', () => {
    expect(
      problems({ auth: { method: 'web-identity', roleArn: 'CANARY_not_an_arn', token: 'github', durationSeconds: 60 } })
    ).toBe(
      'load config "test": 2 problems:\n  - backends.aws-sm.auth.roleArn: expected an IAM role ARN\n  - backends.aws-sm.auth.durationSeconds: Too small: expected number to be >=900. See the configuration reference in the README'
    );
    const unknownMethod = awsSmSettingsSchema.safeParse({ auth: { method: 'static', key: 'CANARY_static' } });
    expect(unknownMethod.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['auth.method', 'expected "web-identity" or "default"'],
    ]);
  });
});
