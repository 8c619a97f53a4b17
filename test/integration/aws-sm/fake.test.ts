import { describe, expect, test } from 'vitest';
import { startAwsFake } from '../../../src/testing/aws/index.js';
import { sessionPolicyAllows } from '../../../src/testing/aws/session-policy.js';
import { STATIC_KEY, useAwsFake } from './harness.js';

const fake = useAwsFake();

async function post(headers: Record<string, string>, body: string) {
  const response = await fetch(fake().url, { method: 'POST', headers, body });
  return [response.status, await response.json()];
}

const SM = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' };
const auth = (accessKeyId: string, signature = '0'.repeat(64)) =>
  `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20261128/us-east-1/secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${signature}`;

describe(startAwsFake.name, () => {
  test('refuses unsigned, malformed, unknown-key and wrongly signed Secrets Manager requests as AWS does', async () => {
    const body = JSON.stringify({ SecretId: 'plain' });
    const date = { 'x-amz-date': '20261128T210638Z' };
    expect([
      await post(SM, body),
      await post({ ...SM, authorization: 'Bearer x' }, body),
      await post({ ...SM, ...date, authorization: auth('AKIAUNKNOWN000000000') }, body),
      await post({ ...SM, ...date, authorization: auth(STATIC_KEY.accessKeyId) }, body),
    ]).toEqual([
      [400, { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' }],
      [
        400,
        { __type: 'IncompleteSignatureException', message: 'Authorization header requires a valid SigV4 signature.' },
      ],
      [
        400,
        { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' },
      ],
      [
        400,
        {
          __type: 'InvalidSignatureException',
          message:
            'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
        },
      ],
    ]);
    expect(fake().requests.map((r) => r.error)).toEqual([
      'MissingAuthenticationTokenException',
      'IncompleteSignatureException',
      'UnrecognizedClientException',
      'InvalidSignatureException',
    ]);
  });

  test('answers an unknown STS action with an awsQuery error document', async () => {
    const response = await fetch(fake().url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(
      /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">\n {2}<Error>\n {4}<Type>Sender<\/Type>\n {4}<Code>InvalidAction<\/Code>/
    );
  });
});

describe(sessionPolicyAllows.name, () => {
  const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf';
  const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
  const allow = (Resource: string | string[], Action: string | string[] = 'secretsmanager:GetSecretValue') => ({
    Effect: 'Allow',
    Action,
    Resource,
  });

  test.each([
    [policy(allow('*')), true],
    [policy(allow(ARN)), true],
    [policy(allow('arn:aws:secretsmanager:*:*:secret:app/*')), true],
    [policy(allow('arn:aws:secretsmanager:*:*:secret:app/db-??????', ['SecretsManager:Get*'])), true],
    [policy(allow('arn:aws:secretsmanager:*:*:secret:app/db-?????')), false],
    [policy(allow('*', 's3:GetObject')), false],
    [policy(allow('*'), { Effect: 'Deny', Action: '*', Resource: ARN }), false],
    [policy({ ...allow('*'), Condition: { Bool: { 'aws:SecureTransport': 'true' } } }), false],
    [JSON.stringify({ Version: '2012-10-17', Statement: allow('*') }), true],
    ['not json', false],
  ])('%s → %s', (text, allowed) => {
    expect(sessionPolicyAllows(text, 'secretsmanager:GetSecretValue', ARN)).toBe(allowed);
  });
});
