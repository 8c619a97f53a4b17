import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerSession, startSession } from '../../../src/host/index.js';
import { type StartedBackends, startBackends } from '../../../src/testing/index.js';
import { type SessionProject, sessionProject } from '../../helpers/session-project.js';
import { workerFor } from '../../helpers/worker-for.js';

const SEEDED = {
  'vault:secret/app#password': 'SENTINEL-VAULT-4f1a',
  'vault:secret/app#user': 'SENTINEL-VAULT-USER-77c0',
  'aws-sm://ci/db#password': 'SENTINEL-AWS-9b2e',
  'gcp-sm://test-project/api-key': 'SENTINEL-GCP-13d8',
  'azure-kv://test-kv/api-token': 'SENTINEL-AZURE-6e44',
};

let fake: StartedBackends;
let session: BrokerSession | undefined;
let created: SessionProject | undefined;
beforeAll(async () => {
  fake = await startBackends(SEEDED);
  Object.assign(process.env, fake.env);
}, 60_000);
afterAll(() => fake?.close());
afterEach(async () => {
  await session?.close();
  session = undefined;
  created?.cleanup();
});

describe('startBackends', () => {
  it('starts one server per scheme, with endpoints and the CA, and a config fragment per backend', () => {
    expect(Object.keys(fake.backends).sort()).toEqual(['aws-sm', 'azure-kv', 'gcp-sm', 'vault']);
    expect(fake.endpoints).toMatchObject({
      vault: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
      awsSecretsManager: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      gcpSecretManager: expect.stringMatching(/^https:\/\/localhost:\d+$/),
      azureKeyVault: expect.stringMatching(/^https:\/\/localhost:\d+$/),
      entra: expect.stringMatching(/^https:\/\/localhost:\d+$/),
      ca: expect.stringContaining('BEGIN CERTIFICATE'),
    });
    expect(JSON.stringify(fake.backends)).not.toMatch(/SENTINEL/);
  });

  it('resolves one ref per scheme through the official SDKs, minting each identity, egress on', async () => {
    created = sessionProject({
      config: {
        backends: fake.backends,
        credentials: {
          VAULT_PASSWORD: 'vault:secret/app#password',
          VAULT_USER: 'vault:secret/app#user',
          AWS_DB: 'aws-sm://ci/db#password',
          GCP_KEY: 'gcp-sm://test-project/api-key',
          AZURE_TOKEN: 'azure-kv://test-kv/api-token',
        },
      },
      declared: ['VAULT_PASSWORD', 'VAULT_USER', 'AWS_DB', 'GCP_KEY', 'AZURE_TOKEN'],
    });
    session = await startSession({ cwd: created.dir, env: created.env, egress: true });
    const target: Record<string, string | undefined> = {};
    const lease = await workerFor(session).acquire({
      file: created.file,
      taskId: 'api > reads',
      names: ['VAULT_PASSWORD', 'VAULT_USER', 'AWS_DB', 'GCP_KEY', 'AZURE_TOKEN'],
      env: target,
    });
    expect(lease.skipped).toEqual([]);
    expect(target).toEqual({
      VAULT_PASSWORD: SEEDED['vault:secret/app#password'],
      VAULT_USER: SEEDED['vault:secret/app#user'],
      AWS_DB: SEEDED['aws-sm://ci/db#password'],
      GCP_KEY: SEEDED['gcp-sm://test-project/api-key'],
      AZURE_TOKEN: SEEDED['azure-kv://test-kv/api-token'],
    });
    // Each backend logged in with its workload identity: nothing long-lived was configured.
    expect(fake.servers.vault?.issued.length).toBeGreaterThan(0);
    expect(fake.servers.aws?.issued.length).toBeGreaterThan(0);
    expect(fake.servers.entra?.issued).toBeGreaterThan(0);
    expect(fake.servers.gcpAuth?.issued.size).toBeGreaterThan(0);
    lease.release();
  });

  it('refuses refs it cannot seed, naming the ref and what to use instead', async () => {
    await expect(startBackends({ 'vault:secret/app': 'x' })).rejects.toThrow(/vault:secret\/app.*#password/);
    await expect(startBackends({ 'env:HOME': 'x' })).rejects.toThrow(/need no server/);
    await expect(startBackends({ 'aws-sm://db?version-stage=AWSPREVIOUS': 'x' })).rejects.toThrow(/startAwsFake/);
  });

  it('starts only what the refs need, and close() stops it', async () => {
    const only = await startBackends({ 'aws-sm://solo#k': 'SENTINEL-SOLO' });
    expect(Object.keys(only.backends)).toEqual(['aws-sm']);
    expect(only.endpoints.vault).toBeUndefined();
    const url = only.endpoints.awsSecretsManager as string;
    await only.close();
    await expect(fetch(url)).rejects.toThrow();
  });
});
