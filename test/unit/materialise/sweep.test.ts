import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SweepReport, sweep } from '../../../src/materialise/index.js';
import { currentOwnerRecord } from '../../../src/materialise/owner-record.js';
import { childEnv, deadPid, spawnChild } from './children/spawn-child.js';

let base: string;
let project: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'cb-sweep-base-'));
  project = mkdtempSync(join(tmpdir(), 'cb-sweep-project-'));
});

afterEach(() => {
  rmSync(base, { recursive: true, force: true });
  rmSync(project, { recursive: true, force: true });
});

/** A scratch root left behind by `pid`, with an owner record and a task file, as a crashed run leaves it. */
function leftBehind(pid: number, suffix: string, record: object = { ...currentOwnerRecord(), pid }): string {
  const root = join(base, `credential-broker-${pid}-${suffix}`);
  mkdirSync(join(root, 'task-1'), { recursive: true, mode: 0o700 });
  writeFileSync(join(root, '.owner.json'), JSON.stringify(record), { mode: 0o600 });
  writeFileSync(join(root, 'task-1', 'TOKEN'), 'CANARY_sweep', { mode: 0o600 });
  return root;
}

const hasProc = existsSync('/proc/self/stat');

describe(sweep.name, () => {
  it('removes the root of a SIGKILLed process and leaves a live one alone', async () => {
    const env = childEnv({ XDG_RUNTIME_DIR: base });
    const killed = spawnChild('hold-scratch.mjs', ['wait'], { cwd: project, env });
    const live = spawnChild('hold-scratch.mjs', ['wait'], { cwd: project, env });
    const [killedRoot] = (JSON.parse(await killed.nextLine()) as { roots: string[] }).roots;
    const [liveRoot] = (JSON.parse(await live.nextLine()) as { roots: string[] }).roots;
    killed.proc.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
    // SIGKILL runs no handler: the directory stays until a sweep.
    expect(existsSync(killedRoot!)).toBe(true);

    const report = sweep({ root: base });

    expect(report).toEqual({ bases: [base], removed: [killedRoot], kept: [{ path: liveRoot, reason: 'alive' }] });
    expect(readdirSync(base)).toEqual([liveRoot!.slice(base.length + 1)]);
    live.proc.kill('SIGTERM');
    await live.exited;
    expect(readdirSync(base)).toEqual([]);
  });

  it('removes a root whose pid exists but belongs to a later process (pid reuse)', () => {
    const reused = leftBehind(process.pid, 'aa', { ...currentOwnerRecord(), startTicks: '1' });
    const ours = leftBehind(process.pid, 'bb');
    const report = sweep({ root: base });
    expect(report.removed).toEqual(hasProc ? [reused] : []);
    expect(report.kept).toEqual(
      hasProc ? [{ path: ours, reason: 'alive' }] : [reused, ours].map((path) => ({ path, reason: 'alive' }))
    );
  });

  it("keeps a user's look-alike: no owner record naming its pid, or not private (0700), whatever its pid", async () => {
    const pid = await deadPid();
    const noRecord = join(base, `credential-broker-${pid}-cc`);
    mkdirSync(noRecord, { mode: 0o700 });
    writeFileSync(join(noRecord, 'notes.txt'), 'ORIGINAL');
    // A dated backup of a checkout: the date reads as a pid, the time as hex.
    const backup = join(base, 'credential-broker-20250101-1200');
    mkdirSync(backup, { mode: 0o700 });
    writeFileSync(join(backup, 'notes.txt'), 'ORIGINAL');
    const otherPid = leftBehind(pid, 'c1', { ...currentOwnerRecord(), pid: pid + 1 });
    const wide = leftBehind(pid, 'c2');
    chmodSync(wide, 0o755);
    const report = sweep({ root: base });
    expect(report.removed).toEqual([]);
    expect(new Set(report.kept)).toEqual(
      new Set([noRecord, backup, otherPid, wide].map((path) => ({ path, reason: 'not-a-scratch-root' })))
    );
    expect(readFileSync(join(noRecord, 'notes.txt'), 'utf8')).toBe('ORIGINAL');
    expect(readFileSync(join(backup, 'notes.txt'), 'utf8')).toBe('ORIGINAL');
    expect(readFileSync(join(wide, 'task-1', 'TOKEN'), 'utf8')).toBe('CANARY_sweep');
  });

  it('keeps a root whose owner record names another host', async () => {
    const pid = await deadPid();
    const root = leftBehind(pid, 'dd', { ...currentOwnerRecord(), pid, hostname: `not-${hostname()}` });
    expect(sweep({ root: base }).kept).toEqual([{ path: root, reason: 'other-host' }]);
    expect(readFileSync(join(root, 'task-1', 'TOKEN'), 'utf8')).toBe('CANARY_sweep');
  });

  it('does not follow a symbolic link named like a scratch root', async () => {
    const pid = await deadPid();
    const target = mkdtempSync(join(tmpdir(), 'cb-sweep-target-'));
    try {
      writeFileSync(join(target, 'precious'), 'ORIGINAL');
      const link = join(base, `credential-broker-${pid}-ee`);
      symlinkSync(target, link);
      expect(sweep({ root: base })).toEqual({
        bases: [base],
        removed: [],
        kept: [{ path: link, reason: 'not-a-directory' }],
      });
      expect(readFileSync(join(target, 'precious'), 'utf8')).toBe('ORIGINAL');
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });

  it.skipIf(process.getuid?.() !== 0)('keeps a root owned by another uid', async () => {
    const root = leftBehind(await deadPid(), 'ff');
    chownSync(root, 4242, 4242);
    expect(sweep({ root: base }).kept).toEqual([{ path: root, reason: 'not-owned' }]);
    expect(existsSync(join(root, 'task-1', 'TOKEN'))).toBe(true);
  });

  it("removes a dead sweeper's tombstone and keeps a live sweeper's", async () => {
    const orphan = join(base, `.credential-broker-sweep-${await deadPid()}-0a`);
    const inProgress = join(base, `.credential-broker-sweep-${process.pid}-0b`);
    mkdirSync(orphan, { mode: 0o700 });
    mkdirSync(inProgress, { mode: 0o700 });
    writeFileSync(join(orphan, 'TOKEN'), 'CANARY_sweep');
    expect(sweep({ root: base })).toEqual({ bases: [base], removed: [orphan], kept: [] });
    expect(readdirSync(base)).toEqual([inProgress.slice(base.length + 1)]);
  });

  it('ignores entries that are not scratch roots', () => {
    mkdirSync(join(base, 'credential-broker-notapid-00'));
    mkdirSync(join(base, 'unrelated'));
    expect(sweep({ root: base })).toEqual({ bases: [base], removed: [], kept: [] });
    expect(readdirSync(base).sort()).toEqual(['credential-broker-notapid-00', 'unrelated']);
  });

  it('scans nothing when the root does not exist', () => {
    expect(sweep({ root: join(base, 'missing') })).toEqual({ bases: [], removed: [], kept: [] });
  });

  it('lets two concurrent sweeps share the work: both succeed, each root is removed exactly once', async () => {
    const pid = await deadPid();
    const roots = Array.from({ length: 40 }, (_, index) => leftBehind(pid, index.toString(16).padStart(4, '0')));
    const env = childEnv({});
    const sweepers = [0, 1].map(() => spawnChild('sweep-once.mjs', [base], { cwd: project, env }));
    for (const sweeper of sweepers) {
      expect(await sweeper.nextLine()).toBe('ready');
    }
    for (const sweeper of sweepers) {
      sweeper.send('go');
    }
    const reports = await Promise.all(sweepers.map(async (s) => JSON.parse(await s.nextLine()) as SweepReport));
    const exits = await Promise.all(sweepers.map((s) => s.exited));

    expect(exits.map((exit) => [exit.code, exit.signal, exit.stderr])).toEqual([
      [0, null, ''],
      [0, null, ''],
    ]);
    const removed = reports.flatMap((report) => report.removed);
    expect(removed.sort()).toEqual(roots.sort());
    expect(reports.flatMap((report) => report.kept)).toEqual([]);
    expect(readdirSync(base)).toEqual([]);
  });
});
