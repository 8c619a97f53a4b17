import { describe, expect, it } from 'vitest';
import { isBrokerError } from '../../../src/errors.js';
import type { SecretRef } from '../../../src/ref/index.js';
import { parseRef, RefSyntaxError } from '../../../src/ref/index.js';

function rejection(input: unknown): RefSyntaxError {
  try {
    parseRef(input as string);
  } catch (error) {
    if (error instanceof RefSyntaxError) {
      return error;
    }
    throw error;
  }
  throw new Error(`accepted ${String(input)}`);
}

describe(parseRef.name, () => {
  it.each<[string, SecretRef]>([
    ['vault:secret/db', { raw: 'vault:secret/db', scheme: 'vault', mount: 'secret', path: 'db' }],
    [
      'vault:secret/team/app#url?version=4',
      {
        raw: 'vault:secret/team/app#url?version=4',
        scheme: 'vault',
        mount: 'secret',
        path: 'team/app',
        key: { kind: 'field', name: 'url' },
        version: 4,
      },
    ],
    [
      'aws-sm://arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:app/db-AbCdEf#/db/0?version-stage=AWSPREVIOUS',
      {
        raw: 'aws-sm://arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:app/db-AbCdEf#/db/0?version-stage=AWSPREVIOUS',
        scheme: 'aws-sm',
        id: 'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:app/db-AbCdEf',
        region: 'us-gov-west-1',
        key: { kind: 'pointer', tokens: ['db', '0'] },
        versionStage: 'AWSPREVIOUS',
      },
    ],
    [
      'aws-sm:prod/db?version-id=a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      {
        raw: 'aws-sm:prod/db?version-id=a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
        scheme: 'aws-sm',
        id: 'prod/db',
        versionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      },
    ],
    [
      'gcp-sm:my-project/kubeconfig',
      {
        raw: 'gcp-sm:my-project/kubeconfig',
        scheme: 'gcp-sm',
        project: 'my-project',
        secret: 'kubeconfig',
        version: 'latest',
      },
    ],
    [
      'gcp-sm://projects/my-project/secrets/kubeconfig/versions/7',
      {
        raw: 'gcp-sm://projects/my-project/secrets/kubeconfig/versions/7',
        scheme: 'gcp-sm',
        project: 'my-project',
        secret: 'kubeconfig',
        version: '7',
      },
    ],
    [
      'azure-kv:my-vault/db-password/0123456789abcdef0123456789abcdef',
      {
        raw: 'azure-kv:my-vault/db-password/0123456789abcdef0123456789abcdef',
        scheme: 'azure-kv',
        vault: 'my-vault',
        name: 'db-password',
        version: '0123456789abcdef0123456789abcdef',
      },
    ],
    [
      'sops:fixtures/s.enc.yaml#/a~1b/c~0d/~01?format=yaml',
      {
        raw: 'sops:fixtures/s.enc.yaml#/a~1b/c~0d/~01?format=yaml',
        scheme: 'sops',
        path: 'fixtures/s.enc.yaml',
        key: { kind: 'pointer', tokens: ['a/b', 'c~d', '~1'] },
        format: 'yaml',
      },
    ],
    ['age:///abs/db.age', { raw: 'age:///abs/db.age', scheme: 'age', path: '/abs/db.age' }],
    ['file:a b.txt#k', { raw: 'file:a b.txt#k', scheme: 'file', path: 'a b.txt', key: { kind: 'field', name: 'k' } }],
    ['env:_X1', { raw: 'env:_X1', scheme: 'env', name: '_X1' }],
  ])('parses %s', (input, expected) => {
    expect(parseRef(input)).toEqual(expected);
  });

  it('reads the query before or after the key, and "://" like ":"', () => {
    const { raw: _a, ...keyFirst } = parseRef('vault:kv/app#url?version=2');
    const { raw: _b, ...queryFirst } = parseRef('vault://kv/app?version=2#url');
    expect(queryFirst).toEqual(keyFirst);
  });

  it('reads "#/" as the pointer to the empty-named member, per RFC 6901', () => {
    expect(parseRef('env:J#/').key).toEqual({ kind: 'pointer', tokens: [''] });
  });

  it('carries column, expected and the displayed input as data', () => {
    const error = rejection('vault:secret/db?x');
    expect(isBrokerError(error)).toBe(true);
    expect(error.name).toBe('BrokerError');
    expect({ code: error.code, column: error.column, expected: error.expected, input: error.input }).toEqual({
      code: 'REF_SYNTAX',
      column: 17,
      expected: '"version"',
      input: 'vault:secret/db?x',
    });
  });

  it('rejects what is not a string', () => {
    expect(rejection(42).message).toBe('ref: got number; expected a ref string at column 1 in ""');
    expect(rejection(null).message).toBe('ref: got null; expected a ref string at column 1 in ""');
  });

  it('rejects inputs over 4096 characters and shortens the echo', () => {
    const error = rejection(`file:${'a'.repeat(5000)}`);
    expect(error.column).toBe(4097);
    expect(error.message).toBe(
      `ref: ref longer than 4096 characters; expected end of input at column 4097 in "file:${'a'.repeat(195)}…"`
    );
  });

  it('enforces the length limits of aws-sm, gcp-sm and azure-kv names', () => {
    expect(parseRef(`aws-sm:${'n'.repeat(512)}`).scheme).toBe('aws-sm');
    expect(rejection(`aws-sm:${'n'.repeat(513)}`).column).toBe(520);
    expect(rejection(`aws-sm:${'n'.repeat(513)}`).message).toMatch(
      /^ref: secret name longer than 512 characters; expected end of the secret name at column 520 in "aws-sm:n+…"$/
    );
    expect(parseRef(`gcp-sm:my-project/${'s'.repeat(255)}`).scheme).toBe('gcp-sm');
    expect(rejection(`gcp-sm:my-project/${'s'.repeat(256)}`).column).toBe(19 + 255);
    expect(parseRef(`azure-kv:my-vault/${'s'.repeat(127)}`).scheme).toBe('azure-kv');
    expect(rejection(`azure-kv:my-vault/${'s'.repeat(128)}`).column).toBe(19 + 127);
    expect(parseRef(`azure-kv:${'v'.repeat(24)}/s`).scheme).toBe('azure-kv');
    expect(rejection(`azure-kv:${'v'.repeat(25)}/s`).message).toBe(
      `ref: invalid vault name "${'v'.repeat(25)}"; expected a vault name (3–24 of A-Z a-z 0-9 -, starting with a letter) at column 10 in "azure-kv:${'v'.repeat(25)}/s"`
    );
  });

  it.each([
    [
      'gcp-sm://CANARY_USER:CANARY_PASS@my-project/s',
      'ref: credentials in place of the project; expected a project id at column 10 in "gcp-sm://<redacted>@my-project/s". Refs never carry credentials or server addresses: set those in the backend configuration (backends.gcp-sm)',
    ],
    [
      'azure-kv://CANARY_USER:CANARY_PASS@my-vault/s',
      'ref: server address or credentials in place of the vault name; expected a vault name at column 12 in "azure-kv://<redacted>@my-vault/s". Refs never carry credentials or server addresses: set those in the backend configuration (backends.azure-kv)',
    ],
    [
      'aws-sm://CANARY_USER:CANARY_PASS@prod/db',
      'ref: credentials in place of the secret name; expected a secret name or an ARN at column 10 in "aws-sm://<redacted>@prod/db". Refs never carry credentials or server addresses: set those in the backend configuration (backends.aws-sm)',
    ],
    [
      'file://CANARY_USER:CANARY_PASS@host/x?version=1',
      'ref: unknown parameter "version"; expected no parameters (file refs take none) at column 39 in "file://<redacted>@host/x?version=1"',
    ],
    [
      'vault://CANARY_TOKEN@vault.internal:8200/secret/db',
      'ref: server address or credentials in place of the mount; expected a mount name at column 9 in "vault://<redacted>@vault.internal:8200/secret/db". Refs never carry credentials or server addresses: set those in the backend configuration (backends.vault)',
    ],
  ])('never echoes URL userinfo: %s', (input, message) => {
    expect(rejection(input).message).toBe(message);
  });
});
