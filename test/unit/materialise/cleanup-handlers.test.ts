import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installCleanupHandlers } from '../../../src/materialise/index.js';
import { type Child, childEnv, spawnChild } from './children/spawn-child.js';

interface Held {
  readonly roots: readonly string[];
  readonly file: string;
}

let base: string;
let project: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'cb-mat-base-'));
  project = mkdtempSync(join(tmpdir(), 'cb-mat-project-'));
});

afterEach(() => {
  rmSync(base, { recursive: true, force: true });
  rmSync(project, { recursive: true, force: true });
});

async function hold(args: readonly string[]): Promise<{ child: Child; held: Held }> {
  const child = spawnChild('hold-scratch.mjs', args, { cwd: project, env: childEnv({ XDG_RUNTIME_DIR: base }) });
  const held = JSON.parse(await child.nextLine()) as Held;
  // The files exist while the child runs: what follows proves they were wiped, not never written.
  expect(existsSync(held.file)).toBe(true);
  for (const root of held.roots) {
    expect(root.startsWith(`${base}/credential-broker-${child.proc.pid}-`)).toBe(true);
  }
  return { child, held };
}

describe(installCleanupHandlers.name, () => {
  it('wipes the scratch root when the process ends normally', async () => {
    const { child } = await hold(['exit']);
    child.send('go');
    const exit = await child.exited;
    expect([exit.code, exit.signal, exit.stderr]).toEqual([0, null, '']);
    expect(readdirSync(base)).toEqual([]);
  });

  it('wipes the scratch root when an uncaught error ends the process', async () => {
    const { child } = await hold(['throw']);
    child.send('go');
    const exit = await child.exited;
    expect([exit.code, exit.signal]).toEqual([1, null]);
    expect(exit.stderr).toContain('Error: uncaught in child');
    expect(readdirSync(base)).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('wipes on %s, then dies by that same signal', async (signal) => {
    const { child } = await hold(['wait']);
    child.proc.kill(signal);
    const exit = await child.exited;
    expect([exit.code, exit.signal, exit.stderr]).toEqual([null, signal, '']);
    expect(readdirSync(base)).toEqual([]);
  });

  it('wipes every scratch root of the process', async () => {
    const { child, held } = await hold(['wait', '--roots', '3']);
    expect(held.roots).toHaveLength(3);
    child.proc.kill('SIGTERM');
    const exit = await child.exited;
    expect([exit.code, exit.signal]).toEqual([null, 'SIGTERM']);
    expect(readdirSync(base)).toEqual([]);
  });

  it('wipes and leaves the exit to another SIGINT listener when there is one', async () => {
    const { child } = await hold(['wait', '--other-listener']);
    child.proc.kill('SIGINT');
    expect(await child.nextLine()).toBe('other listener ran');
    const exit = await child.exited;
    expect([exit.code, exit.signal]).toEqual([7, null]);
    expect(readdirSync(base)).toEqual([]);
  });

  it("wipes and lets a runner's earlier once('SIGINT') listener set the exit code (Vitest's main process)", async () => {
    const { child } = await hold(['wait', '--vitest-like']);
    child.proc.kill('SIGINT');
    const exit = await child.exited;
    expect([exit.code, exit.signal]).toEqual([130, null]);
    expect(readdirSync(base)).toEqual([]);
  });

  it('under a hold, leaves the files through the first signal for the grace period, then wipes', async () => {
    const { child, held } = await hold(['wait', '--defer', '400']);
    child.proc.kill('SIGTERM');
    expect(await child.nextLine()).toBe('forwarded');
    expect(existsSync(held.file)).toBe(true);
    await expect.poll(() => existsSync(held.file), { timeout: 5000 }).toBe(false);
    expect(readdirSync(base)).toEqual([]);
    // The process lives on: the holder's listener decides when it ends.
    child.proc.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
  });

  it('under a hold, wipes at the second signal', async () => {
    const { child, held } = await hold(['wait', '--defer', '60000']);
    child.proc.kill('SIGTERM');
    expect(await child.nextLine()).toBe('forwarded');
    expect(existsSync(held.file)).toBe(true);
    child.proc.kill('SIGTERM');
    expect(await child.nextLine()).toBe('forwarded');
    expect(existsSync(held.file)).toBe(false);
    child.proc.kill('SIGKILL');
    await child.exited;
    expect(readdirSync(base)).toEqual([]);
  });

  it('adds one set of process listeners for all installs and removes it with the last uninstall', () => {
    const counts = () => ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP'].map((name) => process.listenerCount(name));
    const before = counts();
    const calls: string[] = [];
    const uninstallA = installCleanupHandlers(() => calls.push('a'));
    const uninstallB = installCleanupHandlers(() => calls.push('b'));
    expect(counts()).toEqual(before.map((count) => count + 1));
    uninstallA();
    uninstallA();
    expect(counts()).toEqual(before.map((count) => count + 1));
    uninstallB();
    expect(counts()).toEqual(before);
    expect(calls).toEqual([]);
  });
});
