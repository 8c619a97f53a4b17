import { describe, expect, it } from 'vitest';
import { VaultCallError, type VaultFailure } from '../../../../src/backends/vault/client.js';
import { vaultError } from '../../../../src/backends/vault/errors.js';

const context = { operation: 'read', ref: 'vault:secret/app', address: 'https://vault.example:8200' } as const;
const status = (code: number, errors: string[] = []): VaultFailure => ({
  kind: 'status',
  status: code,
  errors,
  body: { errors },
});
const map = (failure: VaultFailure, login = false) => {
  const error = vaultError(new VaultCallError(failure, new Error('sdk says CANARY_SDK')), { ...context, login });
  return [error.code, error.transient, error.message];
};

describe(vaultError.name, () => {
  it.each([
    [status(412), 'UNAVAILABLE', true, 'Vault could not answer (HTTP 412). Retry later'],
    [status(473), 'UNAVAILABLE', true, 'Vault could not answer (HTTP 473). Retry later'],
    [status(502), 'UNAVAILABLE', true, 'Vault could not answer (HTTP 502). Retry later'],
    [status(401), 'DENIED', false, "permission denied (HTTP 401). Check the token's policies"],
    [
      status(405, ['CANARY_SERVER_TEXT']),
      'UNAVAILABLE',
      false,
      'Vault rejected the request (HTTP 405). Check that the path can be read',
    ],
    [
      { kind: 'network', code: 'ENOTFOUND' },
      'UNAVAILABLE',
      false,
      'cannot reach Vault at https://vault.example:8200 (ENOTFOUND). Check backends.vault.address (or VAULT_ADDR) and that Vault is running',
    ],
    [
      { kind: 'network', code: 'ECONNRESET' },
      'UNAVAILABLE',
      true,
      'cannot reach Vault at https://vault.example:8200 (ECONNRESET). Check backends.vault.address (or VAULT_ADDR) and that Vault is running',
    ],
  ] as const)('maps %j', (failure, code, transient, reason) => {
    expect(map(failure)).toEqual([code, transient, `vault: read "vault:secret/app": ${reason}`]);
  });

  it('turns a refused login into MINT_FAILED, but keeps outages transient', () => {
    expect(map(status(403), true)[0]).toBe('MINT_FAILED');
    expect(map(status(400, ['CANARY_SERVER_TEXT']), true)).toEqual([
      'MINT_FAILED',
      false,
      'vault: read "vault:secret/app": Vault refused the login (HTTP 400). Check the auth method settings',
    ]);
    expect(map(status(503, ['Vault is sealed']), true)[0]).toBe('UNAVAILABLE');
  });

  it('keeps the SDK error as cause and wraps what is not a Vault call', () => {
    const sdk = new Error('sdk says CANARY_SDK');
    expect(vaultError(new VaultCallError(status(500), sdk), context).cause).toBe(sdk);
    const odd = vaultError(new TypeError('CANARY_ODD'), context);
    expect([odd.code, odd.message]).toEqual(['INTERNAL', 'vault: read "vault:secret/app": unexpected TypeError']);
  });
});
