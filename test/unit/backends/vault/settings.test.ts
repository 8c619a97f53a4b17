import { describe, expect, it } from 'vitest';
import { vaultSettingsSchema } from '../../../../src/backends/vault/settings.js';

const issues = (input: unknown) =>
  vaultSettingsSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('vaultSettingsSchema', () => {
  it('accepts each auth method', () => {
    for (const auth of [
      { method: 'token' },
      { method: 'token', env: 'CI_VAULT_TOKEN' },
      { method: 'jwt', role: 'ci', token: 'github', audience: 'https://vault.example' },
      { method: 'jwt', role: 'ci', token: { file: '/var/run/token' }, mount: 'gitlab/jwt' },
      { method: 'approle', roleIdEnv: 'ROLE_ID', secretIdEnv: 'SECRET_ID', mount: 'ci-approle' },
    ]) {
      expect(issues({ address: 'https://vault.internal:8200', caFile: 'ca.pem', kvVersion: 'auto', auth })).toEqual([]);
    }
  });

  it('rejects unknown methods, stray keys and bad names', () => {
    expect(issues({ auth: { method: 'kerberos' } })).toEqual([
      'auth.method: expected method "token", "jwt", "kubernetes" or "approle"',
    ]);
    // A token never sits in the config: `token` is no key of the token method.
    const stray = vaultSettingsSchema.safeParse({ auth: { method: 'token', token: 'hvs.x' } }).error?.issues;
    expect(stray?.map((i) => [i.path.join('.'), i.code, 'keys' in i ? i.keys : []])).toEqual([
      ['auth', 'unrecognized_keys', ['token']],
    ]);
    expect(issues({ auth: { method: 'approle', roleIdEnv: 'role id', secretIdEnv: 'S' } })).toEqual([
      'auth.roleIdEnv: expected an environment variable name like VAULT_TOKEN',
    ]);
    expect(issues({ auth: { method: 'jwt', role: 'ci', token: 'github', mount: '../x' } })).toEqual([
      'auth.mount: expected an auth mount path such as "jwt" or "ci/jwt"',
    ]);
    expect(issues({ auth: { method: 'approle', roleIdEnv: 'R', secretIdEnv: 'S', mount: 'ci/./x' } })).toHaveLength(1);
    expect(issues({ kvVersion: 3 })).toHaveLength(1);
  });
});
