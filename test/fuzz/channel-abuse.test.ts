/**
 * The session channel under abuse (issue 20), replayed case by case. Each hostile client runs in its own process
 * (test/fuzz/abuser.mjs), on the session's Unix socket only, and ends by itself. While it runs, a legitimate worker
 * asks for its credentials every 100 ms from this process, which also hosts the session. Each case asserts: the
 * legitimate worker is answered within LEGIT_BOUND_MS; this process's heap and RSS grow less than the bounds; its
 * descriptors return to the baseline; nothing unplanned is granted; no canary reaches the hostile client's output.
 * The per-case figures go to .tmp/r9-channel-fuzz.json; the cases that held are summed into R9 for `npm run prove`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerSession, startSession } from '../../src/host/index.js';
import { claimChannel, requestGrants } from '../../src/ipc/client.js';
import { type ChannelLimits, DEFAULT_CHANNEL_LIMITS } from '../../src/ipc/limits.js';
import { recordFigure } from '../helpers/figures.js';

const CANARY_FILE = 'CANARY-FUZZ-FILE-SENTINEL-91c3';
const CANARY_ENV = 'CANARY-FUZZ-ENV-SENTINEL-4d7a';
/** A legitimate request is answered within this, whatever the abuse (the unbounded channel took 22–29 s). */
const LEGIT_BOUND_MS = 2_000;
/** Growth of this process while a case runs (the unbounded channel grew the heap by 480 MB on 1 MB of newlines). */
const HEAP_BOUND_MB = 64;
const RSS_BOUND_MB = 160;
/** Narrower timeouts than the defaults (10 s, 60 s), so the suite is short; the byte and count caps are the defaults. */
const LIMITS: ChannelLimits = { ...DEFAULT_CHANNEL_LIMITS, handshakeMs: 1_500, idleMs: 3_000 };
const ABUSER = join(import.meta.dirname, 'abuser.mjs');

interface Figures {
  readonly case: string;
  readonly abuse: string;
  readonly abuserConnections: number;
  readonly abuserBytes: number;
  readonly legitRequests: number;
  readonly legitMaxMs: number;
  readonly heapDeltaMb: number;
  readonly rssDeltaMb: number;
  readonly fdsBefore: number;
  readonly fdsAfter: number;
  readonly granted: readonly string[];
  readonly refusals: number;
  /** Set once every bound of {@link expectBounded} held for this case. */
  proved?: boolean;
}

const figures: Figures[] = [];
let session: BrokerSession;
let dir: string;
let scratch: string;
let planned: string;
let key: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cb-fuzz-'));
  scratch = mkdtempSync(join(tmpdir(), 'cb-fuzz-scratch-'));
  writeFileSync(join(dir, 'secret.txt'), CANARY_FILE);
  writeFileSync(
    join(dir, 'credential-broker.config.json'),
    JSON.stringify({ credentials: { ENV_CANARY: 'env:CB_FUZZ_SOURCE' } })
  );
  planned = join(dir, 'a.test.ts');
  writeFileSync(planned, '/** @credentials FILE_CANARY=file:secret.txt */\nexport {};\n');
  // What the old channel granted to whoever named it: a file declaring what nobody planned.
  writeFileSync(
    join(dir, 'planted.test.ts'),
    '/** @credentials HOST=file:/etc/hostname, SHADOW=file:/etc/shadow, OTHER=env:CB_FUZZ_SOURCE */\n'
  );
  spawnSync('mkfifo', [join(dir, 'fifo.test.ts')]);
  session = await startSession({
    cwd: dir,
    env: { ...process.env, CB_FUZZ_SOURCE: CANARY_ENV, XDG_RUNTIME_DIR: scratch },
    channelLimits: LIMITS,
  });
  await session.plan([planned]);
  key = (await claimChannel(session.handle.socketPath, session.issueTicket(), [planned])).key;
});

afterAll(async () => {
  await session?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
  // The whole record, for whoever wants the per-case numbers.
  mkdirSync('.tmp', { recursive: true });
  writeFileSync(
    join('.tmp', 'r9-channel-fuzz.json'),
    `${JSON.stringify(
      {
        suite: 'session channel under abuse (test/fuzz/channel-abuse.test.ts)',
        bounds: { legitMs: LEGIT_BOUND_MS, heapMb: HEAP_BOUND_MB, rssMb: RSS_BOUND_MB },
        limits: LIMITS,
        cases: figures,
      },
      null,
      2
    )}\n`
  );
  // R9 in `npm run prove`: only a case whose assertions all held is counted (see `expectBounded`).
  const proved = figures.filter((f) => f.proved);
  if (proved.length > 0) {
    recordFigure('R9', 'channel', {
      cases: proved.length,
      connections: proved.reduce((sum, f) => sum + f.abuserConnections, 0),
      megabytes: Math.round(proved.reduce((sum, f) => sum + f.abuserBytes, 0) / 2 ** 20),
      legitRequests: proved.reduce((sum, f) => sum + f.legitRequests, 0),
      legitMaxMs: Math.max(...proved.map((f) => f.legitMaxMs)),
      legitBoundMs: LEGIT_BOUND_MS,
      heapMaxMb: Math.max(...proved.map((f) => f.heapDeltaMb)),
      heapBoundMb: HEAP_BOUND_MB,
      rssMaxMb: Math.max(...proved.map((f) => f.rssDeltaMb)),
      rssBoundMb: RSS_BOUND_MB,
    });
  }
});

function descriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Runs one hostile client to its end while a legitimate worker keeps asking; returns the figures. */
async function replay(kind: string, abuse: string, args: object): Promise<Figures & { output: string }> {
  await delay(50);
  const fdsBefore = descriptors();
  const before = process.memoryUsage();
  let heapPeak = before.heapUsed;
  let rssPeak = before.rss;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    heapPeak = Math.max(heapPeak, now.heapUsed);
    rssPeak = Math.max(rssPeak, now.rss);
  }, 20);
  const child = spawn(process.execPath, [ABUSER, kind, session.handle.socketPath, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  let running = true;
  void exited.then(() => {
    running = false;
  });
  let legitRequests = 0;
  let legitMaxMs = 0;
  while (running) {
    const start = performance.now();
    const grants = await requestGrants(session.handle.socketPath, key, planned, ['FILE_CANARY', 'ENV_CANARY']);
    legitMaxMs = Math.max(legitMaxMs, performance.now() - start);
    legitRequests += 1;
    expect(grants.map((g) => (g.status === 'ok' ? g.value : g.status))).toEqual([CANARY_FILE, CANARY_ENV]);
    await delay(100);
  }
  await exited;
  clearTimeout(killer);
  clearInterval(sampler);
  // The server closes what the client left open; wait for the count to come back.
  for (let i = 0; i < 100 && descriptors() > fdsBefore; i += 1) {
    await delay(50);
  }
  const report = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as {
    connections: number;
    bytesSent: number;
    granted: string[];
    refusals: string[];
  };
  const result = {
    case: kind,
    abuse,
    abuserConnections: report.connections,
    abuserBytes: report.bytesSent,
    legitRequests,
    legitMaxMs: Math.round(legitMaxMs),
    heapDeltaMb: Math.round(((heapPeak - before.heapUsed) / 2 ** 20) * 10) / 10,
    rssDeltaMb: Math.round(((rssPeak - before.rss) / 2 ** 20) * 10) / 10,
    fdsBefore,
    fdsAfter: descriptors(),
    granted: report.granted,
    refusals: report.refusals.length,
  };
  figures.push(result);
  return { ...result, output };
}

function expectBounded(result: Figures & { output: string }): void {
  expect(result.legitRequests).toBeGreaterThan(0);
  expect(result.legitMaxMs).toBeLessThan(LEGIT_BOUND_MS);
  expect(result.heapDeltaMb).toBeLessThan(HEAP_BOUND_MB);
  expect(result.rssDeltaMb).toBeLessThan(RSS_BOUND_MB);
  expect(result.fdsAfter).toBeLessThanOrEqual(result.fdsBefore);
  expect(result.output).not.toContain(CANARY_FILE);
  expect(result.output).not.toContain(CANARY_ENV);
  const recorded = figures.find((f) => f.case === result.case);
  if (recorded) {
    recorded.proved = true;
  }
}

describe('the session channel under abuse', () => {
  it('case 1: grants nothing unplanned — not a planted docblock, a FIFO, /etc/hostname, nor an undeclared name', async () => {
    const unplannedFiles = [join(dir, 'planted.test.ts'), '/etc/hostname', join(dir, 'fifo.test.ts')];
    const result = await replay('unplanned', 'claims of unplanned files; acquires of unplanned names and files', {
      tickets: [session.issueTicket(), session.issueTicket(), session.issueTicket()],
      unplannedFiles,
      fifo: join(dir, 'fifo.test.ts'),
      key,
      plannedFile: planned,
    });
    expectBounded(result);
    expect(result.granted).toEqual([]);
    expect(result.refusals).toBe(3 + 4 + 4);
    // Refusals name what was asked, never the config's other names, never an errno of a path the client chose.
    expect(result.output).not.toMatch(/ENV_CANARY|FILE_CANARY.*declared|ENOENT|EACCES|ENXIO/);
    // The main process reads docblocks only of selected, regular files: a FIFO is refused at once, not waited on.
    await expect(session.plan([join(dir, 'fifo.test.ts')])).rejects.toThrow('is not a regular file');
    await expect(session.plan(['/etc/hostname'])).rejects.toThrow('is outside the project');
    await session.plan([planned]);
  }, 60_000);

  it('case 2: a newline flood before any hello gets one answer per connection and costs no memory', async () => {
    const result = await replay('newlines', '3 MiB of newlines on each of 4 connections, no hello', {});
    expectBounded(result);
    expect(result.refusals).toBe(4);
  }, 60_000);

  it('case 3: long unterminated lines are cut at the hello budget or the line cap', async () => {
    const result = await replay(
      'long-lines',
      '60 connections × 15.75 MiB before a hello; 20 × 2 MiB after a hello with a real key',
      { key }
    );
    expectBounded(result);
    expect(result.granted).toEqual([]);
  }, 60_000);

  it('case 3b: one byte at a time, never a newline, ends at the handshake timeout', async () => {
    const result = await replay('dribble', '20 connections writing one byte every 10 ms', {});
    expectBounded(result);
  }, 60_000);

  it('case 4: 1 100 idle connections neither exhaust descriptors nor block a worker', async () => {
    const result = await replay('idle', '1 100 connections that send nothing', {});
    expectBounded(result);
  }, 60_000);

  it('case 5: missing, wrong, truncated, typed, replayed and smuggled credentials and another version are refused', async () => {
    const spentTicket = session.issueTicket();
    await claimChannel(session.handle.socketPath, spentTicket, [planned]).catch(() => undefined);
    const result = await replay('credentials', '11 bad hellos, a truncated frame, JSON that is not an object', {
      spentTicket,
      key,
      plannedFile: planned,
    });
    expectBounded(result);
    expect(result.granted).toEqual([]);
    expect(result.refusals).toBe(12);
    expect(result.output).toContain('channel protocol version 1 is not 2');
  }, 60_000);
});
