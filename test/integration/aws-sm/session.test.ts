import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BrokerSession, startSession } from '../../../src/host/index.js';
import { type SessionProject, sessionProject } from '../../helpers/session-project.js';
import { workerFor } from '../../helpers/worker-for.js';
import { CANARY, isolateAwsEnv, ROLE, useAwsFake, WEB_TOKEN } from './harness.js';

isolateAwsEnv();
const fake = useAwsFake();

let session: BrokerSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

function project(): SessionProject {
  return sessionProject({
    config: {
      backends: {
        'aws-sm': {
          endpoint: fake().url,
          region: 'us-east-1',
          auth: {
            method: 'web-identity',
            roleArn: ROLE,
            token: { file: 'web-identity-token' },
            stsEndpoint: fake().url,
            policy: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
            },
          },
        },
      },
      credentials: {
        DATABASE_URL: 'aws-sm://app/db#url',
        PREVIOUS_URL: 'aws-sm://app/db#url?version-stage=AWSPREVIOUS',
      },
    },
    declared: ['DATABASE_URL', 'PREVIOUS_URL'],
    files: { 'web-identity-token': WEB_TOKEN },
  });
}

describe(startSession.name, () => {
  it('delivers aws-sm credentials to a worker with egress on, minting once for both', async () => {
    const { dir, env, cleanup } = project();
    const start = fake().requests.length;
    session = await startSession({ cwd: dir, env, egress: true });
    const lease = await workerFor(session).acquire({
      file: join(dir, 'db.test.ts'),
      taskId: 't',
      names: ['DATABASE_URL', 'PREVIOUS_URL'],
      env: null,
    });
    expect(lease.values).toEqual({
      DATABASE_URL: `postgres://app:${CANARY}@db/app`,
      PREVIOUS_URL: `${CANARY}_previous`,
    });
    expect(lease.skipped).toEqual([]);
    const minted = fake().issued.at(-1)?.accessKeyId;
    expect(
      fake()
        .requests.slice(start)
        .map((r) => [r.service, r.accessKeyId ?? null, r.status])
    ).toEqual([
      ['sts', null, 200],
      ['secretsmanager', minted, 200],
      ['secretsmanager', minted, 200],
    ]);
    expect(fake().issued.at(-1)?.policy).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}'
    );
    lease.release();
    await session.close();
    cleanup();
  });

  it('skips them with egress off, with the reason, and the fake sees no request', async () => {
    const { dir, env, cleanup } = project();
    const start = fake().requests.length;
    session = await startSession({ cwd: dir, env, egress: false });
    const lease = await workerFor(session).acquire({
      file: join(dir, 'db.test.ts'),
      taskId: 't',
      names: ['DATABASE_URL'],
      env: null,
    });
    expect(lease.values).toEqual({});
    expect(lease.skipped).toEqual([
      {
        name: 'DATABASE_URL',
        reason: `credential-broker: DATABASE_URL needs aws-sm:app/db#url (${fake().url}, local) but egress is disabled; set CREDENTIAL_BROKER_EGRESS=1 to resolve it`,
      },
    ]);
    expect(fake().requests.slice(start)).toEqual([]);
    await session.close();
    cleanup();
  });
});
