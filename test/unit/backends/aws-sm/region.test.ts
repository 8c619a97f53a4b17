import { describe, expect, it } from 'vitest';
import { regionOf } from '../../../../src/backends/aws-sm/region.js';
import { endpointOf } from '../../../../src/egress/endpoint.js';
import { parseRef } from '../../../../src/ref/index.js';
import type { AwsSmRef } from '../../../../src/ref/types.js';

const ARN = 'aws-sm://arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf';

describe(regionOf.name, () => {
  // The manifest's host and the client's region must come from the same inputs in the same order.
  const cases: [ref: string, settings: { region?: string }, env: Record<string, string>, region: string | undefined][] =
    [
      [ARN, { region: 'us-east-1' }, { AWS_REGION: 'ap-south-1' }, 'eu-west-1'],
      ['aws-sm://app/db', { region: 'us-east-1' }, { AWS_REGION: 'ap-south-1' }, 'us-east-1'],
      ['aws-sm://app/db', {}, { AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'eu-north-1' }, 'ap-south-1'],
      ['aws-sm://app/db', {}, { AWS_DEFAULT_REGION: 'eu-north-1' }, 'eu-north-1'],
      ['aws-sm://app/db', {}, {}, undefined],
    ];

  it.each(cases)('%s with %j and %j → %s, as the manifest says', (text, settings, env, region) => {
    const ref = parseRef(text) as AwsSmRef;
    expect(regionOf(ref, settings, env)).toBe(region);
    const endpoint = endpointOf(ref, { 'aws-sm': settings }, env, '/');
    expect(endpoint.display).toBe(`https://secretsmanager.${region ?? '<region>'}.amazonaws.com`);
  });
});
