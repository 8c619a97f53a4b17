import { describe, expect, test } from 'vitest';
import { importPeer } from '../../../src/sdk/import-peer.js';

describe(importPeer.name, () => {
  test('returns the module when it loads', async () => {
    await expect(importPeer(async () => ({ sdk: true }), { name: 'x', backend: 'vault' })).resolves.toEqual({
      sdk: true,
    });
  });

  test('a package that is not installed is MISSING_DEPENDENCY with the install command', async () => {
    const absent = '@credential-broker/not-installed-anywhere';
    await expect(importPeer(() => import(absent), { name: 'node-vault', backend: 'vault' })).rejects.toMatchObject({
      code: 'MISSING_DEPENDENCY',
      message: 'vault: load client: node-vault is not installed. npm install -D node-vault to use vault: references',
    });
  });

  test('any other failure is INTERNAL, named by the error type, never its message', async () => {
    const broken = () => Promise.reject(new SyntaxError('CANARY_unexpected token in the installed copy'));
    await expect(importPeer(broken, { name: '@azure/identity', backend: 'azure-kv' })).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'azure-kv: load client: @azure/identity failed to load (SyntaxError). Reinstall @azure/identity',
    });
  });
});
