import { createHash } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AwsFake, startAwsFake } from '../../../src/testing/aws/index.js';

// What the real service refuses, the local one refuses: seen through the official SDK client.
const KEY = {
  accessKeyId: 'AKIATESTONLYSTRICT01',
  secretAccessKey: 'TEST_ONLY_strict_secret_key_0000000000000',
  arn: 'arn:aws:iam::123456789012:user/ci',
};

let fake: AwsFake;
beforeAll(async () => {
  process.env['NO_PROXY'] = '127.0.0.1,localhost';
  fake = await startAwsFake({
    region: 'us-east-1',
    accessKeys: [KEY],
    secrets: [
      { name: 'mine', versions: [{ id: 'a'.repeat(32), stages: ['AWSCURRENT'], string: 'SENTINEL_STRICT_MINE' }] },
      { name: 'your', versions: [{ id: 'b'.repeat(32), stages: ['AWSCURRENT'], string: 'SENTINEL_STRICT_YOUR' }] },
    ],
  });
});
afterAll(() => fake.close());

const client = (region: string) =>
  new SecretsManagerClient({
    region,
    endpoint: fake.url,
    credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: KEY.secretAccessKey },
    maxAttempts: 1,
  });

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string } | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
}

describe('the local Secrets Manager is regional, like the real endpoints', () => {
  test('answers a request signed for its region', async () => {
    const answer = await client('us-east-1').send(new GetSecretValueCommand({ SecretId: 'mine' }));
    expect(answer.SecretString).toBe('SENTINEL_STRICT_MINE');
  });

  test('refuses a request signed for another region, as AWS does', async () => {
    expect(await errorOf(client('eu-central-1').send(new GetSecretValueCommand({ SecretId: 'mine' })))).toEqual({
      name: 'InvalidSignatureException',
      message: 'Credential should be scoped to a valid region.',
    });
  });
});

describe('the local Secrets Manager hashes the body it received', () => {
  test('refuses a body swapped after signing, even when x-amz-content-sha256 vouches for the original', async () => {
    const sm = client('us-east-1');
    // Before signing: declare the hash of the body that is signed (the signer then uses the header as is).
    sm.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string>; body: string };
        request.headers['x-amz-content-sha256'] = createHash('sha256').update(request.body).digest('hex');
        return next(args);
      },
      { step: 'build', name: 'declareContentHash' }
    );
    // After signing: ask for another secret of the same length (content-length is signed) with the same signature.
    sm.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: string };
        request.body = JSON.stringify({ SecretId: 'your' });
        return next(args);
      },
      { step: 'deserialize', name: 'swapBody' }
    );
    const error = await errorOf(sm.send(new GetSecretValueCommand({ SecretId: 'mine' })));
    expect(error?.name).toBe('InvalidSignatureException');
    expect(fake.requests.at(-1)).toMatchObject({ params: { SecretId: 'your' }, status: 400 });
  });
});
