import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerSession, startSession } from '../../../src/host/index.js';
import { type SessionProject, sessionProject } from '../../helpers/session-project.js';
import { workerFor } from '../../helpers/worker-for.js';
import { AUDIENCE, CANARY, type GcpFakes, OIDC_TOKEN, startGcpFakes } from './harness.js';

let fakes: GcpFakes;
let session: BrokerSession | undefined;
beforeAll(async () => {
  fakes = await startGcpFakes();
});
afterEach(async () => {
  await session?.close();
  session = undefined;
});
afterAll(() => fakes.close());

function project(): SessionProject {
  return sessionProject({
    config: {
      backends: {
        'gcp-sm': {
          endpoint: fakes.sm.url,
          caFile: fakes.cert.caFile,
          auth: {
            method: 'workload-identity',
            audience: AUDIENCE,
            token: { file: 'oidc-token' },
            tokenUrl: fakes.auth.tokenUrl,
          },
        },
      },
      credentials: { DATABASE_URL: 'gcp-sm://my-proj/db#url', DB_V1: 'gcp-sm://my-proj/db?version=1' },
    },
    declared: ['DATABASE_URL', 'DB_V1'],
    files: { 'oidc-token': OIDC_TOKEN },
  });
}

describe(startSession.name, () => {
  it('delivers gcp-sm credentials to a worker with egress on, minting one access token for both', async () => {
    const { dir, env, cleanup } = project();
    session = await startSession({ cwd: dir, env, egress: true });
    const lease = await workerFor(session).acquire({
      file: join(dir, 'db.test.ts'),
      taskId: 't',
      names: ['DATABASE_URL', 'DB_V1'],
      env: null,
    });
    expect(lease.values).toEqual({ DATABASE_URL: `postgres://app:${CANARY}@db/app`, DB_V1: `${CANARY}_v1` });
    expect(lease.skipped).toEqual([]);
    expect(fakes.auth.requests.map((r) => r.kind)).toEqual(['sts']);
    lease.release();
    await session.close();
    cleanup();
  });

  it('skips them with egress off, and the fakes see no request', async () => {
    fakes.sm.requests.length = 0;
    fakes.auth.requests.length = 0;
    const { dir, env, cleanup } = project();
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
        reason: `credential-broker: DATABASE_URL needs gcp-sm:my-proj/db#url (${fakes.sm.url}, local) but egress is disabled; set CREDENTIAL_BROKER_EGRESS=1 to resolve it`,
      },
    ]);
    expect([fakes.sm.requests, fakes.auth.requests]).toEqual([[], []]);
    await session.close();
    cleanup();
  });
});
