import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, BackendFactory } from '../../src/contract/backend.js';
import { type BrokerError, isBrokerError } from '../../src/errors.js';
import { type BrokerSession, startSession } from '../../src/host/index.js';
import { SecretValue } from '../../src/scrub/secret-value.js';
import { claimWorker, type WorkerBroker } from '../../src/worker/index.js';

const CANARY = 'CANARY_SESSION_VALUE_3c9d1e';
const CANARY_FILE = 'CANARY_SESSION_FILE_77aa01';

let session: BrokerSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

function project(): { dir: string; scratch: string; env: Record<string, string | undefined> } {
  const dir = mkdtempSync(join(tmpdir(), 'cb-session-'));
  const scratch = mkdtempSync(join(tmpdir(), 'cb-session-scratch-'));
  writeFileSync(join(dir, 'cert.pem'), CANARY_FILE);
  writeFileSync(
    join(dir, 'credential-broker.config.json'),
    JSON.stringify({
      backends: { vault: { address: 'https://vault.internal:8200' } },
      credentials: {
        TOKEN: 'env:SOURCE_TOKEN',
        CERT: { ref: 'file:cert.pem', as: 'both', file: 'cert.pem' },
        DATABASE_URL: 'vault:secret/db#url',
      },
    })
  );
  writeFileSync(join(dir, 'a.test.ts'), '/**\n * @credentials TOKEN, INLINE=env:INLINE_SOURCE\n */\nexport {};\n');
  writeFileSync(join(dir, 'b.test.ts'), '/** @credentials DATABASE_URL */\nexport {};\n');
  writeFileSync(join(dir, 'c.test.ts'), '/** @credentials NOT_DECLARED */\nexport {};\n');
  return {
    dir,
    scratch,
    env: { ...process.env, SOURCE_TOKEN: CANARY, INLINE_SOURCE: `${CANARY}_inline`, XDG_RUNTIME_DIR: scratch },
  };
}

/** A worker as a runner makes one: the files planned by the main process, claimed with a fresh ticket. */
async function claimed(s: BrokerSession, ...files: string[]): Promise<WorkerBroker> {
  await s.plan(files);
  return claimWorker(s.handle, s.issueTicket(), files);
}

describe(startSession.name, () => {
  it('serves declared credentials to a worker over the private channel, per task, and wipes after', async () => {
    const { dir, scratch, env } = project();
    session = await startSession({ cwd: dir, env });
    await session.plan([join(dir, 'a.test.ts'), join(dir, 'b.test.ts')]);
    expect(session.manifest().credentials.map((c) => [c.name, c.status, c.declaredIn.length])).toEqual([
      ['TOKEN', 'resolve', 2],
      ['CERT', 'resolve', 1],
      ['DATABASE_URL', 'skipped-egress-disabled', 2],
      ['INLINE', 'resolve', 1],
    ]);
    expect(statSync(session.handle.scratchRoot).mode & 0o777).toBe(0o700);
    expect(session.handle.scratchRoot.startsWith(scratch)).toBe(true);
    // The handle carries no value and no credential for the channel.
    expect(JSON.stringify(session.handle)).not.toContain(CANARY);
    expect(Object.keys(session.handle).sort()).toEqual([
      'egressEnabled',
      // The egress guard's policy: names, hosts and a findings path, never a value.
      'guard',
      'minScrubLength',
      'replacement',
      'scratchRoot',
      'socketPath',
    ]);
    // env: sources were resolved when the run was planned, registered with the scrubber, and left the environment.
    expect(session.scrubber.scrub(`x ${CANARY}_inline y`)).toBe('x [redacted:INLINE] y');
    expect(env['SOURCE_TOKEN']).toBeUndefined();
    expect(env['INLINE_SOURCE']).toBeUndefined();

    const worker = await claimWorker(session.handle, session.issueTicket(), [join(dir, 'a.test.ts')]);
    const target: Record<string, string | undefined> = { TOKEN: 'previous' };
    const lease = await worker.acquire({
      file: join(dir, 'a.test.ts'),
      taskId: 'a > test 1',
      names: ['TOKEN', 'CERT', 'INLINE'],
      env: target,
    });
    expect(target['TOKEN']).toBe(CANARY);
    expect(target['INLINE']).toBe(`${CANARY}_inline`);
    expect(target['CERT']).toBe(CANARY_FILE);
    const certPath = target['CERT_FILE'] ?? '';
    expect(lease.files['CERT']).toBe(certPath);
    expect(statSync(certPath).mode & 0o777).toBe(0o600);
    expect(worker.scrubber.scrub(`x ${CANARY} y`)).toBe('x [redacted:TOKEN] y');
    expect(session.scrubber.scrub(`x ${CANARY_FILE} y`)).toBe('x [redacted:CERT] y');

    lease.release();
    lease.release();
    expect(target).toEqual({ TOKEN: 'previous' });
    expect(existsSync(certPath)).toBe(false);
    expect(session.stats.fetches).toBe(3);

    await session.close();
    expect(existsSync(session.handle.scratchRoot)).toBe(false);
    expect(readdirSync(scratch)).toEqual([]);
    rmSync(dir, { recursive: true });
  });

  it('skips network credentials with egress off, with the reason, and resolves nothing for them', async () => {
    const { dir, env } = project();
    session = await startSession({ cwd: dir, env });
    const lease = await (await claimed(session, join(dir, 'b.test.ts'))).acquire({
      file: join(dir, 'b.test.ts'),
      taskId: 't',
      names: ['DATABASE_URL', 'TOKEN'],
      env: process.env,
    });
    expect(lease.values).toEqual({});
    expect(lease.skipped).toEqual([
      {
        name: 'DATABASE_URL',
        reason:
          'credential-broker: DATABASE_URL needs vault:secret/db#url (https://vault.internal:8200, self-hosted) but egress is disabled; set CREDENTIAL_BROKER_EGRESS=1 to resolve it',
      },
    ]);
    expect(process.env['TOKEN']).toBeUndefined();
    expect(session.egressSummaryLine()).toBe(
      'credential-broker: egress disabled — 1 network credential (DATABASE_URL) will not be resolved; tests that need them are skipped. Set CREDENTIAL_BROKER_EGRESS=1 to run them'
    );
  });

  it('refuses names a file did not declare and the config does not know', async () => {
    const { dir, env } = project();
    session = await startSession({ cwd: dir, env });
    const error = await (await claimed(session, join(dir, 'b.test.ts')))
      .acquire({ file: join(dir, 'b.test.ts'), taskId: 't', names: ['INLINE'], env: null })
      .catch((e: unknown) => e);
    expect(isBrokerError(error) && [error.code, error.message]).toEqual([
      'UNKNOWN_CREDENTIAL',
      // Names the ref asked for, never the names the config declares.
      `acquire "${join(dir, 'b.test.ts')}": INLINE is declared neither in the config nor in the file's @credentials docblock. Declare INLINE in the file's @credentials docblock or under "credentials" in credential-broker.config`,
    ]);
    await expect(session.plan([join(dir, 'c.test.ts')])).rejects.toThrow(
      `bad @credentials docblocks:\n  - plan "${join(dir, 'c.test.ts')}:1": @credentials names NOT_DECLARED, which the config does not declare. Add NOT_DECLARED to "credentials" in credential-broker.config, or declare it inline as NOT_DECLARED=<ref>`
    );
  });

  it('never echoes a value pasted into a docblock, as a name or as a ref, and still names the file and line', async () => {
    const { dir, env } = project();
    session = await startSession({ cwd: dir, env });
    const pasted = `ghp_${randomBytes(27).toString('base64url').replace(/[-_]/g, 'x')}`;
    writeFileSync(join(dir, 'd.test.ts'), `/**\n * @credentials ${pasted}\n */\nexport {};\n`);
    writeFileSync(join(dir, 'e.test.ts'), `/**\n * @credentials TOKEN=${pasted}\n */\nexport {};\n`);
    const messages = await Promise.all(
      ['d.test.ts', 'e.test.ts'].map((file) =>
        session!.plan([join(dir, file)]).then(
          () => '',
          (error: unknown) => `${(error as Error).message} ${(error as BrokerError).hint ?? ''}`
        )
      )
    );
    expect(messages[0]).toContain(
      `plan "${join(dir, 'd.test.ts')}:2": @credentials lists an entry that looks like a secret value`
    );
    expect(messages[1]).toContain(`${join(dir, 'e.test.ts')}:2: @credentials entry "TOKEN=<redacted>": ref:`);
    for (const message of messages) {
      expect(message.includes(pasted.slice(4, 20))).toBe(false);
    }
  });

  it('refuses a concurrent test that would overwrite an env var another running test holds', async () => {
    const { dir, env } = project();
    session = await startSession({ cwd: dir, env });
    const worker = await claimed(session, join(dir, 'a.test.ts'));
    const target: Record<string, string | undefined> = {};
    const first = await worker.acquire({ file: join(dir, 'a.test.ts'), taskId: 'one', names: ['TOKEN'], env: target });
    const error = await worker
      .acquire({ file: join(dir, 'a.test.ts'), taskId: 'two', names: ['TOKEN'], env: target })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `acquire "${join(dir, 'a.test.ts')}": env var TOKEN is already set for another test running at the same time (one); concurrent tests share one process.env. Use the values and file paths returned by credentials() instead of process.env in concurrent tests, or run them sequentially`
    );
    // Without env, concurrent tests get values only.
    const third = await worker.acquire({ file: join(dir, 'a.test.ts'), taskId: 'three', names: ['TOKEN'], env: null });
    expect(third.values['TOKEN']).toBe(CANARY);
    first.release();
    expect(target).toEqual({});
  });

  it('leaves no file and no held env var behind when the env rejects a value', async () => {
    const { dir, env } = project();
    writeFileSync(join(dir, 'plain.test.ts'), 'export {};\n');
    const config = { credentials: { BINARY: { ref: 'env:BINARY_SOURCE', as: 'both', file: 'binary.bin' } } };
    session = await startSession({ cwd: dir, config, env: { ...env, BINARY_SOURCE: `${CANARY}\u0000tail` } });
    const worker = await claimed(session, join(dir, 'plain.test.ts'));
    const target: Record<string, string | undefined> = {};
    const acquire = (taskId: string) =>
      worker
        .acquire({ file: join(dir, 'plain.test.ts'), taskId, names: ['BINARY'], env: target })
        .catch((e: Error) => e);
    const message =
      'materialise: apply env: value for BINARY is not a string without NUL bytes. Environment values cannot carry NUL bytes; deliver this credential as a file instead';
    expect(((await acquire('one')) as Error).message).toBe(message);
    // A second try meets the same problem, not a clash with the first try's leftovers.
    expect(((await acquire('two')) as Error).message).toBe(message);
    expect(target).toEqual({});
    expect(
      readdirSync(session.handle.scratchRoot).filter((name) => name !== 'broker.sock' && !name.startsWith('.'))
    ).toEqual([]);
  });

  it('closes each backend once when close is called twice at the same time', async () => {
    const { dir, env } = project();
    let closes = 0;
    const backend: Backend<'env'> = {
      scheme: 'env',
      fetch: async (ref) => ({ text: new SecretValue(CANARY, ref.name) }),
      close: async () => {
        closes += 1;
      },
    };
    session = await startSession({
      cwd: dir,
      env,
      serve: false,
      factories: { env: (() => backend) as BackendFactory },
    });
    await session.grant(undefined, ['TOKEN']);
    await Promise.all([session.close(), session.close()]);
    expect(closes).toBe(1);
  });

  it('spends each ticket once, claims each selected file once per run, and serves only claimed files', async () => {
    const { dir, env } = project();
    session = await startSession({ cwd: dir, env });
    const [a, b, c] = ['a.test.ts', 'b.test.ts', 'c.test.ts'].map((f) => join(dir, f)) as [string, string, string];
    await session.plan([a, b]);
    const ticket = session.issueTicket();
    const worker = await claimWorker(session.handle, ticket, [a]);
    const refused = (promise: Promise<unknown>) =>
      promise.then(
        () => 'granted',
        (e: Error) => e.message
      );
    // The same ticket again, a made-up one, a file claimed already, a file not in the plan.
    expect(await refused(claimWorker(session.handle, ticket, [b]))).toBe(
      'channel ticket or key rejected (each ticket is good for one claim)'
    );
    expect(await refused(claimWorker(session.handle, 'f'.repeat(64), [b]))).toBe(
      'channel ticket or key rejected (each ticket is good for one claim)'
    );
    expect(await refused(claimWorker(session.handle, session.issueTicket(), [a]))).toBe(
      `claim: "${a}" was already claimed by another worker in this run. Each test file gets its credentials once per run; a second claim means something other than its worker spent a ticket (a test file that starts another Vitest worker, a leaked ticket)`
    );
    expect(await refused(claimWorker(session.handle, session.issueTicket(), [c]))).toBe(
      `claim: "${c}" is not a test file selected for this run. Credentials are served only to the test files the runner selected`
    );
    // A worker asks only for the files it claimed.
    expect(await refused(worker.acquire({ file: b, taskId: 't', names: ['TOKEN'], env: null }))).toBe(
      `acquire: "${b}" is not a file this worker claimed`
    );
    expect((await worker.acquire({ file: a, taskId: 't', names: ['INLINE'], env: null })).values).toEqual({
      INLINE: `${CANARY}_inline`,
    });
    // A retry after a crash may claim the file again, and the crashed worker's key stops working.
    const retried = await claimWorker(session.handle, session.issueTicket('', { reclaim: true }), [a]);
    expect(await refused(worker.acquire({ file: a, taskId: 't', names: ['CERT'], env: null }))).toBe(
      'channel ticket or key rejected (each ticket is good for one claim)'
    );
    expect((await retried.acquire({ file: a, taskId: 't', names: ['TOKEN'], env: null })).values).toEqual({
      TOKEN: CANARY,
    });
    // A new run may claim its files again.
    await session.plan([a]);
    await claimWorker(session.handle, session.issueTicket(), [a]);
  });

  it('keeps the source variable of a credential that opts out with keepSource', async () => {
    const { dir, env } = project();
    const config = {
      credentials: { KEPT: { ref: 'env:KEPT_SOURCE', keepSource: true }, GONE: 'env:GONE_SOURCE' },
    };
    const own = { ...env, KEPT_SOURCE: `${CANARY}_kept`, GONE_SOURCE: `${CANARY}_gone` };
    session = await startSession({ cwd: dir, config, env: own });
    writeFileSync(join(dir, 'plain.test.ts'), 'export {};\n');
    await session.plan([join(dir, 'plain.test.ts')]);
    expect(own['KEPT_SOURCE']).toBe(`${CANARY}_kept`);
    expect(own['GONE_SOURCE']).toBeUndefined();
    // Both are known to the scrubber from the start.
    expect(session.scrubber.scrub(`${CANARY}_kept ${CANARY}_gone`)).toBe('[redacted:KEPT] [redacted:GONE]');
  });

  it("removes a value of process.env that the test's own env restore put back after the release", async () => {
    const { dir, env } = project();
    session = await startSession({ cwd: dir, env });
    const file = join(dir, 'a.test.ts');
    const worker = await claimed(session, file);
    const before = process.env;
    try {
      const lease = await worker.acquire({ file, taskId: 'holds', names: ['TOKEN'], env: process.env });
      expect(process.env['TOKEN']).toBe(CANARY);
      const saved = { ...process.env }; // beforeEach(() => { saved = { ...process.env } })
      lease.release();
      process.env['TOKEN'] = CANARY; // a restore in the same turn, after the release
      process.env = saved; // afterEach(() => { process.env = saved })
      await new Promise((done) => setImmediate(done));
      expect(Object.hasOwn(saved, 'TOKEN')).toBe(false);
      // The object released from is checked before the next lease reads what it replaces.
      before['TOKEN'] = CANARY;
      process.env = before;
      const next = await worker.acquire({ file, taskId: 'next', names: ['INLINE'], env: process.env });
      expect(Object.hasOwn(process.env, 'TOKEN')).toBe(false);
      next.release();
    } finally {
      process.env = before;
      delete before['TOKEN'];
      delete before['INLINE'];
    }
  });

  it("answers a file's later tests from the worker's grant cache, without a round trip", async () => {
    const { dir, env } = project();
    session = await startSession({ cwd: dir, env });
    const file = join(dir, 'a.test.ts');
    await session.plan([file, join(dir, 'b.test.ts')]);
    const worker = await claimWorker(session.handle, session.issueTicket(), [file]);
    const otherFile = await claimWorker(session.handle, session.issueTicket(), [join(dir, 'b.test.ts')]);
    const first = await worker.acquire({ file, taskId: 'one', names: ['TOKEN'], env: null });
    first.release();
    // The channel is gone; the second test of the same file still gets its credential.
    await session.close();
    const second = await worker.acquire({ file, taskId: 'two', names: ['TOKEN'], env: null });
    expect(second.values['TOKEN']).toBe(CANARY);
    // A config credential is the same for every file: another file's test in this process is answered from the cache too.
    const other = await otherFile.acquire({ file: join(dir, 'b.test.ts'), taskId: 'b', names: ['TOKEN'], env: null });
    expect(other.values['TOKEN']).toBe(CANARY);
    // A name this file never asked for still needs the channel.
    await expect(worker.acquire({ file, taskId: 'three', names: ['INLINE'], env: null })).rejects.toThrow();
  });

  it('acquires synchronously once every grant is cached, and only then', async () => {
    const { dir, env } = project();
    session = await startSession({ cwd: dir, env });
    const file = join(dir, 'a.test.ts');
    const worker = await claimed(session, file);
    expect(worker.acquireNow({ file, taskId: 'early', names: ['TOKEN', 'CERT'], env: null })).toBeUndefined();
    (await worker.acquire({ file, taskId: 'first', names: ['TOKEN'], env: null })).release();
    // CERT was never granted to this worker: nothing is done, not even TOKEN's part.
    expect(worker.acquireNow({ file, taskId: 'partial', names: ['TOKEN', 'CERT'], env: null })).toBeUndefined();
    const target: Record<string, string | undefined> = {};
    const lease = worker.acquireNow({ file, taskId: 'now', names: ['TOKEN'], env: target });
    expect(lease?.values).toEqual({ TOKEN: CANARY });
    expect(target['TOKEN']).toBe(CANARY);
    lease?.release();
    expect(target).toEqual({});
  });

  it("registers each file's own inline value for a shared name with the run's scrubber", async () => {
    const { dir, env } = project();
    writeFileSync(join(dir, 'x.test.ts'), '/** @credentials SHARED=env:SHARED_X */\nexport {};\n');
    writeFileSync(join(dir, 'y.test.ts'), '/** @credentials SHARED=env:SHARED_Y */\nexport {};\n');
    session = await startSession({ cwd: dir, env: { ...env, SHARED_X: `${CANARY}_x`, SHARED_Y: `${CANARY}_y` } });
    const files = ['x.test.ts', 'y.test.ts'].map((f) => join(dir, f));
    await session.plan(files);
    for (const file of files) {
      const worker = await claimWorker(session.handle, session.issueTicket(), [file]);
      (await worker.acquire({ file, taskId: file, names: ['SHARED'], env: null })).release();
    }
    expect(session.scrubber.scrub(`${CANARY}_x ${CANARY}_y`)).toBe('[redacted:SHARED] [redacted:SHARED]');
  });
});
