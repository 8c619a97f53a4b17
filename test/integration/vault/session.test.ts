import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { finishRun } from '../../../src/ci/finish.js';
import { type BrokerSession, startSession } from '../../../src/host/index.js';
import { type FakeVault, startFakeVault } from '../../../src/testing/vault/index.js';
import { type SessionProject, sessionProject } from '../../helpers/session-project.js';
import { workerFor } from '../../helpers/worker-for.js';
import './harness.js';

const TOKEN = 'hvs.TEST_ONLY_session';
const CANARY = 'CANARY_VAULT_SESSION_5e1f';

let vault: FakeVault;
let session: BrokerSession | undefined;
const cleanups: (() => void)[] = [];
beforeAll(async () => {
  vault = await startFakeVault({
    tokens: { [TOKEN]: {} },
    jwt: { role: 'ci', jwt: 'TEST_ONLY_session_jwt' },
    mounts: {
      secret: { type: 'kv', version: 2, secrets: { db: [{ data: { url: CANARY } }] } },
      database: {
        type: 'database',
        roles: { ci: { issue: (n) => ({ username: `v-ci-${n}`, password: `${CANARY}_db_${n}` }) } },
      },
    },
  });
});
afterEach(async () => {
  await session?.close();
  session = undefined;
});
afterAll(async () => {
  await vault.close();
  for (const cleanup of cleanups) {
    cleanup();
  }
});

function project(): SessionProject {
  const created = sessionProject({
    config: {
      backends: { vault: { address: vault.url, auth: { method: 'token', env: 'CI_VAULT_TOKEN' } } },
      credentials: { DATABASE_URL: 'vault:secret/db#url', DB_PASSWORD: 'vault:database/creds/ci#password' },
    },
    declared: ['DATABASE_URL', 'DB_PASSWORD'],
    env: { CI_VAULT_TOKEN: TOKEN },
  });
  cleanups.push(created.cleanup);
  return created;
}

describe(startSession.name, () => {
  it('delivers Vault secrets to a worker with egress on, and revokes the lease when the run ends', async () => {
    const { dir, env } = project();
    session = await startSession({ cwd: dir, env, egress: true });
    const target: Record<string, string | undefined> = {};
    const lease = await workerFor(session).acquire({
      file: join(dir, 'db.test.ts'),
      taskId: 't',
      names: ['DATABASE_URL', 'DB_PASSWORD'],
      env: target,
    });
    expect(target).toEqual({ DATABASE_URL: CANARY, DB_PASSWORD: `${CANARY}_db_1` });
    expect(session.scrubber.scrub(`url=${CANARY}`)).toBe('url=[redacted:DATABASE_URL]');
    lease.release();
    expect(vault.leases.map((l) => l.revoked)).toEqual([false]);
    await session.close();
    expect(vault.leases.map((l) => l.revoked)).toEqual([true]);
  });

  it('skips them with the reason when egress is off, and sends Vault nothing', async () => {
    const { dir, env } = project();
    const before = vault.requests.length;
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
        reason: `credential-broker: DATABASE_URL needs vault:secret/db#url (${vault.url}, local) but egress is disabled; set CREDENTIAL_BROKER_EGRESS=1 to resolve it`,
      },
    ]);
    await session.close();
    expect(vault.requests.length).toBe(before);
  });

  it('writes what it minted and revoked into the audit record — identities and times, never a value', async () => {
    const created = sessionProject({
      config: {
        backends: { vault: { address: vault.url, auth: { method: 'jwt', role: 'ci', token: { env: 'CI_JWT' } } } },
        credentials: { DB_PASSWORD: 'vault:database/creds/ci#password' },
        audit: { file: 'audit/credential-broker-audit.json' },
      },
      declared: ['DB_PASSWORD'],
      env: { CI_JWT: 'TEST_ONLY_session_jwt' },
    });
    cleanups.push(created.cleanup);
    const { dir, env } = created;
    session = await startSession({ cwd: dir, env, egress: true });
    const lease = await workerFor(session).acquire({
      file: join(dir, 'db.test.ts'),
      taskId: 't',
      names: ['DB_PASSWORD'],
      env: {},
    });
    lease.release();
    finishRun(session, { root: dir, env: {}, write: () => {} });
    const path = join(dir, 'audit', 'credential-broker-audit.json');
    expect(JSON.parse(readFileSync(path, 'utf8')).revoked).toEqual([]);
    await session.close();
    const text = readFileSync(path, 'utf8');
    const audit = JSON.parse(text);
    expect(audit.mints).toEqual([
      {
        backend: 'vault',
        identity: 'jwt login at auth/jwt, role ci',
        at: expect.any(String),
        expiresAt: expect.any(String),
      },
    ]);
    expect(audit.revoked).toEqual([
      { backend: 'vault', what: 'lease', of: 'vault:database/creds/ci#password', ok: true, at: expect.any(String) },
      { backend: 'vault', what: 'token', of: 'jwt login at auth/jwt, role ci', ok: true, at: expect.any(String) },
    ]);
    expect(vault.leases.at(-1)?.revoked).toBe(true);
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(vault.issued.at(-1)?.token ?? 'no token was minted');
  });
});
