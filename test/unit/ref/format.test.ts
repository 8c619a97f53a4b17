import { describe, expect, it } from 'vitest';
import type { Scheme } from '../../../src/ref/index.js';
import { documentKey, formatRef, isNetworkScheme, parseRef, SCHEMES } from '../../../src/ref/index.js';

describe(formatRef.name, () => {
  it.each([
    ['vault://secret/db?version=2#url', 'vault:secret/db#url?version=2'],
    ['gcp-sm:projects/my-project/secrets/s/versions/latest', 'gcp-sm:my-project/s'],
    [
      'azure-kv://my-vault/s/0123456789abcdef0123456789abcdef#k',
      'azure-kv:my-vault/s#k?version=0123456789abcdef0123456789abcdef',
    ],
    ['sops:s.yaml?format=json#/a~1b/~0', 'sops:s.yaml#/a~1b/~0?format=json'],
    ['file:////server/share', 'file:////server/share'],
  ])('prints %s as %s', (input, canonical) => {
    expect(formatRef(parseRef(input))).toBe(canonical);
  });
});

describe(documentKey.name, () => {
  it('is shared by refs that differ only by key', () => {
    const keys = ['vault:secret/db#url', 'vault://secret/db#/user', 'vault:secret/db'].map((r) =>
      documentKey(parseRef(r))
    );
    expect(new Set(keys)).toEqual(new Set(['vault:secret/db']));
  });

  it('keeps versions and the sops format, which select a different document', () => {
    expect(documentKey(parseRef('vault:kv/app#url?version=3'))).toBe('vault:kv/app?version=3');
    expect(documentKey(parseRef('sops:s.enc#A?format=dotenv'))).toBe('sops:s.enc?format=dotenv');
    expect(documentKey(parseRef('sops:s.enc#A'))).toBe('sops:s.enc');
  });

  it('treats the default gcp-sm version and the explicit "latest" as one document', () => {
    expect(documentKey(parseRef('gcp-sm:my-project/s?version=latest#a'))).toBe(
      documentKey(parseRef('gcp-sm:projects/my-project/secrets/s#b'))
    );
  });
});

describe(isNetworkScheme.name, () => {
  it('is true exactly for the remote backends', () => {
    const table = Object.fromEntries(SCHEMES.map((s: Scheme) => [s, isNetworkScheme(s)]));
    expect(table).toEqual({
      vault: true,
      'aws-sm': true,
      'gcp-sm': true,
      'azure-kv': true,
      sops: false,
      age: false,
      env: false,
      file: false,
      'aws-sts': true,
      'vault-token': true,
      'gcp-token': true,
      'azure-token': true,
    });
  });
});
