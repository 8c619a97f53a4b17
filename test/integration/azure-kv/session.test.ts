import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerSession, startSession } from '../../../src/host/index.js';
import { type SessionProject, sessionProject } from '../../helpers/session-project.js';
import { workerFor } from '../../helpers/worker-for.js';
import { type Azure, CANARIES, CANARY, CANARY_JSON, settingsFor, startAzure } from './harness.js';

let azure: Azure;
let session: BrokerSession | undefined;
let created: SessionProject | undefined;
beforeAll(async () => {
  azure = await startAzure();
});
afterAll(() => azure.close());
afterEach(async () => {
  await session?.close();
  session = undefined;
  created?.cleanup();
  azure.kv.requests.length = 0;
  azure.entra.requests.length = 0;
});

function project(): SessionProject {
  created = sessionProject({
    config: {
      backends: { 'azure-kv': settingsFor(azure) },
      credentials: {
        DB_PASSWORD: 'azure-kv://corp-kv/db-password',
        APP_DB: 'azure-kv://corp-kv/app-config#/db/password',
      },
    },
    declared: ['DB_PASSWORD', 'APP_DB'],
  });
  return created;
}

describe(startSession.name, () => {
  it('delivers Key Vault secrets to a worker with egress on, minting one Entra token', async () => {
    const { dir, file, env } = project();
    session = await startSession({ cwd: dir, env, egress: true });
    const target: Record<string, string | undefined> = {};
    const lease = await workerFor(session).acquire({
      file,
      taskId: 'db > reads',
      names: ['DB_PASSWORD', 'APP_DB'],
      env: target,
    });
    expect(target).toEqual({ DB_PASSWORD: CANARY, APP_DB: CANARY_JSON });
    expect(session.scrubber.scrub(`x ${CANARY} y`)).toBe('x [redacted:DB_PASSWORD] y');
    expect(azure.entra.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(JSON.stringify(session.manifest())).not.toMatch(new RegExp(CANARIES.join('|')));
    lease.release();
    expect(target).toEqual({});
  });

  it('skips them with egress off, with the reason, and sends nothing', async () => {
    const { dir, file, env } = project();
    session = await startSession({ cwd: dir, env });
    const lease = await workerFor(session).acquire({
      file,
      taskId: 'db > reads',
      names: ['DB_PASSWORD'],
      env: null,
    });
    expect(lease.values).toEqual({});
    expect(lease.skipped).toEqual([
      {
        name: 'DB_PASSWORD',
        reason: `credential-broker: DB_PASSWORD needs azure-kv:corp-kv/db-password (${azure.kv.url}, local) but egress is disabled; set CREDENTIAL_BROKER_EGRESS=1 to resolve it`,
      },
    ]);
    expect(azure.kv.requests).toEqual([]);
    expect(azure.entra.requests).toEqual([]);
  });
});
