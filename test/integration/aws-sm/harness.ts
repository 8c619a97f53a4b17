import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { FetchContext } from '../../../src/contract/backend.js';
import { type AwsFake, type AwsFakeOptions, startAwsFake } from '../../../src/testing/aws/index.js';

export const CANARY = 'CANARY_aws_sm_value_4b1f09';
export const WEB_TOKEN = 'CANARY_web_identity_token_77c2ea';
export const ROLE = 'arn:aws:iam::123456789012:role/ci';
export const OTHER_ROLE = 'arn:aws:iam::123456789012:role/other';
export const STATIC_KEY = {
  accessKeyId: 'AKIAFAKESTATIC000001',
  secretAccessKey: 'CANARY_static_secret_access_key_9d0e',
  arn: 'arn:aws:iam::123456789012:user/ci',
};
export const CURRENT = '11111111-2222-3333-4444-555555555555';
export const PREVIOUS = '00000000-2222-3333-4444-555555555555';

/** Every secret shape the tests read. */
export function fakeOptions(extra: Partial<AwsFakeOptions> = {}): AwsFakeOptions {
  return {
    // One endpoint standing for the us-east-1 and eu-west-1 endpoints (the region tests); other regions are refused.
    regions: ['us-east-1', 'eu-west-1'],
    accessKeys: [STATIC_KEY],
    webIdentity: { tokens: [WEB_TOKEN], expiredTokens: ['CANARY_expired_token'], roles: [ROLE, OTHER_ROLE] },
    secrets: [
      {
        name: 'app/db',
        versions: [
          { id: CURRENT, stages: ['AWSCURRENT'], string: JSON.stringify({ url: `postgres://app:${CANARY}@db/app` }) },
          { id: PREVIOUS, stages: ['AWSPREVIOUS'], string: JSON.stringify({ url: `${CANARY}_previous` }) },
        ],
      },
      { name: 'plain', versions: [{ id: CURRENT, stages: ['AWSCURRENT'], string: `${CANARY}_plain` }] },
      {
        name: 'bin',
        versions: [{ id: CURRENT, stages: ['AWSCURRENT'], binary: new TextEncoder().encode(`${CANARY}_bin`) }],
      },
      { name: 'raw', versions: [{ id: CURRENT, stages: ['AWSCURRENT'], binary: Uint8Array.of(0xff, 0xfe, 0x00) }] },
      { name: 'eu', region: 'eu-west-1', versions: [{ id: CURRENT, stages: ['AWSCURRENT'], string: `${CANARY}_eu` }] },
      { name: 'locked', readers: [OTHER_ROLE], versions: [{ id: CURRENT, stages: ['AWSCURRENT'], string: CANARY }] },
      { name: 'doomed', deleted: true, versions: [{ id: CURRENT, stages: ['AWSCURRENT'], string: CANARY }] },
      { name: 'kms', kmsDenied: true, versions: [{ id: CURRENT, stages: ['AWSCURRENT'], string: CANARY }] },
    ],
    ...extra,
  };
}

/** Start a fake per file; returns a getter (the fake exists only once beforeAll ran). */
export function useAwsFake(extra: Partial<AwsFakeOptions> = {}): () => AwsFake {
  let fake: AwsFake | undefined;
  beforeAll(async () => {
    fake = await startAwsFake(fakeOptions(extra));
  });
  afterAll(() => fake?.close());
  return () => {
    if (fake === undefined) {
      throw new Error('the AWS fake is not started');
    }
    return fake;
  };
}

const ISOLATED = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ACCESS_KEY_ID: STATIC_KEY.accessKeyId,
  AWS_SECRET_ACCESS_KEY: STATIC_KEY.secretAccessKey,
} as const;
const CLEARED = [
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_SESSION_NAME',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'AWS_ENDPOINT_URL_STS',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
];

/**
 * The SDK's default chain reads `process.env` and ~/.aws: point it at the fake's static key and at empty temp
 * config files, never at the developer's own AWS setup.
 */
export function isolateAwsEnv(): void {
  const saved = new Map<string, string | undefined>();
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-aws-home-'));
    const values: Record<string, string | undefined> = {
      ...ISOLATED,
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      NO_PROXY: '127.0.0.1,localhost',
    };
    for (const name of CLEARED) {
      values[name] = undefined;
    }
    for (const [name, value] of Object.entries(values)) {
      saved.set(name, process.env[name]);
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
  });
  afterAll(() => {
    for (const [name, value] of saved) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
  });
}

/** A fetch context with a log sink; `env` is what the backend sees (not process.env). */
export function context(
  env: Record<string, string | undefined> = {},
  signal: AbortSignal = new AbortController().signal,
  baseDir: string = tmpdir()
): FetchContext & { readonly lines: string[] } {
  const lines: string[] = [];
  const sink = (message: string) => {
    lines.push(message);
  };
  return { env, signal, baseDir, log: { debug: sink, info: sink, warn: sink }, lines };
}
