import { describe, expect, it } from 'vitest';
import type { CredentialSpec, LoadedConfig } from '../../../src/config/normalise.js';
import { guardPolicyOf } from '../../../src/host/guard-policy.js';
import { parseRef } from '../../../src/ref/index.js';

function loaded(config: LoadedConfig['config'], specs: CredentialSpec[]): LoadedConfig {
  return { config, file: undefined, dir: '/project', credentials: new Map(specs.map((s) => [s.name, s])) };
}

const spec = (name: string, ref: CredentialSpec['ref'], destination?: string): CredentialSpec => ({
  name,
  ref,
  delivery: 'env',
  envName: name,
  fileName: name,
  origin: 'config',
  ...(destination === undefined ? {} : { destination: { url: destination } }),
});

describe('guardPolicyOf', () => {
  it('defaults to report, loopback, and the declared destinations', () => {
    const policy = guardPolicyOf(
      loaded({}, [spec('DB', parseRef('env:DB_SRC'), 'postgres://db.internal:5432'), spec('PLAIN', parseRef('env:P'))]),
      false,
      '/run/scratch'
    );
    expect(policy).toEqual({
      mode: 'report',
      egress: false,
      allow: ['127.0.0.0/8', '::1'],
      destinations: { DB: ['postgres://db.internal:5432'] },
      findings: '/run/scratch/guard-findings.jsonl',
    });
  });

  it('is off when the config says so, and a set allow list replaces loopback', () => {
    expect(guardPolicyOf(loaded({ egress: { guard: 'off' } }, []), true, '/s')).toBeUndefined();
    expect(
      guardPolicyOf(loaded({ egress: { guard: 'strict', allow: ['10.0.0.0/8'] } }, []), true, '/s')?.allow
    ).toEqual(['10.0.0.0/8']);
  });

  it("gives a minted cloud credential its cloud's API domains unless it declares a destination", () => {
    // The minted schemes come with issue 16; the policy keys them by name.
    const minted = (scheme: string) => ({ scheme, role: 'r' }) as unknown as CredentialSpec['ref'];
    const policy = guardPolicyOf(
      loaded({}, [
        spec('AWS', minted('aws-sts')),
        spec('AWS_S3', minted('aws-sts'), 'https://s3.eu-west-1.amazonaws.com'),
      ]),
      true,
      '/s'
    );
    expect(policy?.destinations).toEqual({
      AWS: ['*.amazonaws.com', '*.amazonaws.com.cn', '*.api.aws'],
      AWS_S3: ['https://s3.eu-west-1.amazonaws.com'],
    });
  });
});
