import { inspect } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { createAwsSmBackend } from '../../../src/backends/aws-sm/index.js';
import type { AwsSmSettings } from '../../../src/backends/aws-sm/settings.js';
import { inlineCredential } from '../../../src/config/normalise.js';
import type { Backend } from '../../../src/contract/backend.js';
import type { BrokerError } from '../../../src/errors.js';
import { createResolver } from '../../../src/host/resolver.js';
import { selectValue } from '../../../src/host/select.js';
import { parseRef } from '../../../src/ref/index.js';
import type { AwsSmRef } from '../../../src/ref/types.js';
import type { AwsFake } from '../../../src/testing/aws/index.js';
import { brokerRejection } from '../../helpers/rejection.js';
import { CANARY, CURRENT, context, isolateAwsEnv, PREVIOUS, STATIC_KEY, useAwsFake } from './harness.js';

// Default chain: the SDK signs with the static key from (the isolated) process.env; the fake verifies SigV4.
isolateAwsEnv();
const fake = useAwsFake();

const backends: Backend<'aws-sm'>[] = [];
afterAll(() => Promise.all(backends.map((b) => b.close?.())));

function backend(settings: Partial<AwsSmSettings> = {}): Backend<'aws-sm'> {
  const created = createAwsSmBackend({ endpoint: fake().url, region: 'us-east-1', ...settings });
  backends.push(created);
  return created;
}

const ref = (text: string) => parseRef(text) as AwsSmRef;

async function failure(promise: Promise<unknown>): Promise<BrokerError> {
  const error = await brokerRejection(promise);
  expect(`${error.message} ${JSON.stringify(error)} ${inspect(error, { depth: 0 })}`).not.toContain(CANARY);
  return error;
}

function lastRequest(f: AwsFake) {
  return f.requests.at(-1);
}

describe(createAwsSmBackend.name, () => {
  test('reads the current version as text, JSON selectable by #key, with its VersionId', async () => {
    const b = backend();
    const doc = await b.fetch(ref('aws-sm://app/db#url'), context());
    expect(doc.version).toBe(CURRENT);
    expect(String(doc.text)).toBe('[redacted:aws-sm:app/db#url]');
    expect(selectValue(doc, ref('aws-sm://app/db#url'), 'DB').reveal()).toBe(`postgres://app:${CANARY}@db/app`);
    expect(lastRequest(fake())).toEqual({
      service: 'secretsmanager',
      action: 'GetSecretValue',
      accessKeyId: STATIC_KEY.accessKeyId,
      region: 'us-east-1',
      params: { SecretId: 'app/db' },
      status: 200,
    });
  });

  test("auth { method: 'default' } keeps to the SDK's chain even where the IRSA variables are set", async () => {
    const start = fake().requests.length;
    const env = { AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/ci', AWS_WEB_IDENTITY_TOKEN_FILE: '/nonexistent' };
    const ctx = context(env);
    await backend({ auth: { method: 'default' } }).fetch(ref('aws-sm://plain'), ctx);
    expect(
      fake()
        .requests.slice(start)
        .map((r) => [r.service, r.accessKeyId])
    ).toEqual([['secretsmanager', STATIC_KEY.accessKeyId]]);
    expect(ctx.lines).toEqual(["aws-sm: credentials from the SDK's default credential chain"]);
  });

  test('pins a version by stage or by id', async () => {
    const b = backend();
    const byStage = await b.fetch(ref('aws-sm://app/db?version-stage=AWSPREVIOUS'), context());
    expect([byStage.version, byStage.text.reveal()]).toEqual([PREVIOUS, JSON.stringify({ url: `${CANARY}_previous` })]);
    expect(lastRequest(fake())?.params).toEqual({ SecretId: 'app/db', VersionStage: 'AWSPREVIOUS' });
    const byId = await b.fetch(ref(`aws-sm://app/db?version-id=${PREVIOUS}`), context());
    expect(byId.version).toBe(PREVIOUS);
    expect(lastRequest(fake())?.params).toEqual({ SecretId: 'app/db', VersionId: PREVIOUS });
  });

  test('delivers a binary secret as its UTF-8 text, and refuses one that is not UTF-8', async () => {
    const b = backend();
    expect((await b.fetch(ref('aws-sm://bin'), context())).text.reveal()).toBe(`${CANARY}_bin`);
    const error = await failure(b.fetch(ref('aws-sm://raw'), context()));
    expect([error.code, error.message]).toEqual([
      'UNSUPPORTED',
      'aws-sm: get "aws-sm:raw": the binary secret (3 bytes) is not UTF-8 text. Store it base64-encoded as a SecretString, and decode it in the test',
    ]);
  });

  test("signs for the ARN's region, over the settings' region and the env", async () => {
    const b = backend({ region: 'us-east-1' });
    const arn = fake().arnOf('eu');
    expect(arn).toMatch(/^arn:aws:secretsmanager:eu-west-1:123456789012:secret:eu-[A-Za-z0-9]{6}$/);
    const doc = await b.fetch(ref(`aws-sm://${arn}`), context({ AWS_REGION: 'ap-south-1' }));
    expect(doc.text.reveal()).toBe(`${CANARY}_eu`);
    expect(lastRequest(fake())?.region).toBe('eu-west-1');
    // A plain name goes to the configured region, where that secret does not live.
    const error = await failure(b.fetch(ref('aws-sm://eu'), context()));
    expect(error.message).toBe(
      'aws-sm: get "aws-sm:eu": no such secret or version in us-east-1 (ResourceNotFoundException). Check the name or ARN, the region, and ?version-id / ?version-stage'
    );
  });

  test('takes the region from AWS_REGION, then AWS_DEFAULT_REGION, of the fetch env', async () => {
    const b = backend({ region: undefined });
    await b.fetch(ref('aws-sm://eu'), context({ AWS_DEFAULT_REGION: 'eu-west-1' }));
    expect(lastRequest(fake())?.region).toBe('eu-west-1');
  });

  test('maps not found, denied, KMS, deleted and a missing version, naming the ref and never a value', async () => {
    const b = backend();
    const cases: [string, string, string][] = [
      [
        'aws-sm://missing',
        'NOT_FOUND',
        'aws-sm: get "aws-sm:missing": no such secret or version in us-east-1 (ResourceNotFoundException). Check the name or ARN, the region, and ?version-id / ?version-stage',
      ],
      [
        'aws-sm://app/db?version-stage=NOPE',
        'NOT_FOUND',
        'aws-sm: get "aws-sm:app/db?version-stage=NOPE": no such secret or version in us-east-1 (ResourceNotFoundException). Check the name or ARN, the region, and ?version-id / ?version-stage',
      ],
      [
        'aws-sm://locked',
        'DENIED',
        'aws-sm: get "aws-sm:locked": access denied for the SDK\'s default credential chain (AccessDeniedException). Allow secretsmanager:GetSecretValue on this secret in the identity policy (and the session policy, if any)',
      ],
      [
        'aws-sm://kms',
        'DENIED',
        'aws-sm: get "aws-sm:kms": KMS refused to decrypt the secret for the SDK\'s default credential chain (DecryptionFailure). Allow kms:Decrypt on the secret\'s KMS key',
      ],
      [
        'aws-sm://doomed',
        'NOT_FOUND',
        'aws-sm: get "aws-sm:doomed": the secret cannot be read in its current state (InvalidRequestException). A secret scheduled for deletion cannot be read; restore it or point the ref at another',
      ],
    ];
    for (const [text, code, message] of cases) {
      const error = await failure(b.fetch(ref(text), context()));
      expect([error.code, error.message, error.transient]).toEqual([code, message, false]);
    }
  });

  test('throttling, 500s and resets are transient UNAVAILABLE, tried once each (no SDK retries)', async () => {
    const b = backend();
    const before = fake().requests.length;
    fake().fail('secretsmanager', { status: 400, code: 'ThrottlingException', message: `Rate exceeded ${CANARY}` });
    fake().fail('secretsmanager', { status: 500, code: 'InternalServiceError', message: CANARY });
    fake().fail('secretsmanager', { status: 503, code: 'ServiceUnavailable' });
    fake().fail('secretsmanager', 'reset');
    const messages: [string, boolean, string][] = [];
    for (let i = 0; i < 4; i += 1) {
      const error = await failure(b.fetch(ref('aws-sm://plain'), context()));
      messages.push([error.code, error.transient, error.message]);
    }
    expect(messages).toEqual([
      [
        'UNAVAILABLE',
        true,
        'aws-sm: get "aws-sm:plain": Secrets Manager answered ThrottlingException (HTTP 400). A retry may succeed; the resolver retries transient failures',
      ],
      [
        'UNAVAILABLE',
        true,
        'aws-sm: get "aws-sm:plain": Secrets Manager failed internally (InternalServiceError). A retry may succeed; the resolver retries transient failures',
      ],
      [
        'UNAVAILABLE',
        true,
        'aws-sm: get "aws-sm:plain": Secrets Manager answered ServiceUnavailable (HTTP 503). A retry may succeed; the resolver retries transient failures',
      ],
      [
        'UNAVAILABLE',
        true,
        'aws-sm: get "aws-sm:plain": cannot reach Secrets Manager (ECONNRESET). Check the endpoint, the network and any proxy settings',
      ],
    ]);
    expect(fake().requests.length - before).toBe(4);
    expect((await b.fetch(ref('aws-sm://plain'), context())).text.reveal()).toBe(`${CANARY}_plain`);
  });

  test('through the resolver (registry-loaded backend): a throttled fetch is retried, and #key selected', async () => {
    const ctx = context();
    const resolver = createResolver({
      backends: { 'aws-sm': { endpoint: fake().url, region: 'us-east-1' } },
      baseDir: ctx.baseDir,
      env: {},
      egressEnabled: true,
      log: ctx.log,
      retryDelayMs: 1,
    });
    try {
      const start = fake().requests.length;
      fake().fail('secretsmanager', { status: 400, code: 'ThrottlingException' });
      const value = await resolver.resolve(inlineCredential('DB', ref('aws-sm://app/db#url'), 'test'));
      expect(value.reveal()).toBe(`postgres://app:${CANARY}@db/app`);
      expect(
        fake()
          .requests.slice(start)
          .map((r) => r.error ?? r.status)
      ).toEqual(['ThrottlingException', 200]);
    } finally {
      await resolver.close();
    }
  });

  test('a wrong secret key fails SigV4 verification: DENIED', async () => {
    const b = backend();
    process.env['AWS_SECRET_ACCESS_KEY'] = 'CANARY_wrong_secret_key';
    try {
      const error = await failure(b.fetch(ref('aws-sm://plain'), context()));
      expect([error.code, error.message]).toEqual([
        'DENIED',
        'aws-sm: get "aws-sm:plain": AWS rejected the request signature of the SDK\'s default credential chain (InvalidSignatureException). Check the secret access key and this machine\'s clock',
      ]);
    } finally {
      process.env['AWS_SECRET_ACCESS_KEY'] = STATIC_KEY.secretAccessKey;
    }
  });

  test('an unknown access key is DENIED; no credentials at all is NO_IDENTITY', async () => {
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIAUNKNOWN000000000';
    try {
      const error = await failure(backend().fetch(ref('aws-sm://plain'), context()));
      expect(error.message).toBe(
        'aws-sm: get "aws-sm:plain": AWS does not recognise the credentials of the SDK\'s default credential chain (UnrecognizedClientException). Check the access key the default chain found (env, profile) is valid'
      );
      delete process.env['AWS_ACCESS_KEY_ID'];
      const none = await failure(backend().fetch(ref('aws-sm://plain'), context()));
      expect([none.code, none.message]).toEqual([
        'NO_IDENTITY',
        "aws-sm: get \"aws-sm:plain\": the AWS SDK's default credential chain found no credentials. Set backends['aws-sm'].auth to web-identity, or give the SDK credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO or an instance role",
      ]);
    } finally {
      process.env['AWS_ACCESS_KEY_ID'] = STATIC_KEY.accessKeyId;
    }
  });

  test('no region anywhere is CONFIG_INVALID', async () => {
    const error = await failure(backend({ region: undefined }).fetch(ref('aws-sm://plain'), context()));
    expect([error.code, error.message]).toEqual([
      'CONFIG_INVALID',
      "aws-sm: get \"aws-sm:plain\": no AWS region is configured. Set backends['aws-sm'].region or AWS_REGION, or use the secret's full ARN",
    ]);
  });

  test('an aborted fetch of a slow server is TIMEOUT', async () => {
    const b = backend();
    fake().setLatency(1500);
    try {
      const controller = new AbortController();
      const pending = b.fetch(ref('aws-sm://plain'), context({}, controller.signal));
      setTimeout(() => controller.abort(), 50);
      const error = await failure(pending);
      expect([error.code, error.message]).toEqual([
        'TIMEOUT',
        'aws-sm: get "aws-sm:plain": the Secrets Manager request was aborted. Check that the endpoint is reachable, or raise resolve.timeoutMs',
      ]);
    } finally {
      fake().setLatency(0);
    }
  });

  test('a server that is down is transient UNAVAILABLE', async () => {
    const error = await failure(
      createAwsSmBackend({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1' }).fetch(
        ref('aws-sm://plain'),
        context()
      )
    );
    expect([error.code, error.transient, error.message]).toEqual([
      'UNAVAILABLE',
      true,
      'aws-sm: get "aws-sm:plain": cannot reach Secrets Manager (ECONNREFUSED). Check the endpoint, the network and any proxy settings',
    ]);
  });
});
