/**
 * The broker's setup file, placed before the user's so that its stream wrappers and hooks come first. Vitest
 * imports it again for every test file, in the worker. Its first import in a worker run takes that run's one-time
 * ticket out of the provided handle (see global-setup.ts) before any test code runs. The ticket is spent, and the
 * runtime (the egress guard's socket patch, the channel client, materialisation, the scrub engine) loaded, only when
 * a file of the run needs a credential (see claim.ts): a file that declares nothing loads this file and no more.
 */
import { resolve } from 'node:path';
import { afterAll, beforeEach, chai, expect } from 'vitest';
import { BrokerError } from '../src/errors.js';
import { judgesEveryConnection } from '../src/guard/policy.js';
import { checkProcessEnv } from '../src/materialise/released-env.js';
import { currentBroker, takeTicket } from './claim.js';
import { testGuard } from './egress-guard.js';
import { redactFileSnapshots } from './file-snapshot.js';
import { leaseId, skipForMissing, TaskLeases } from './leases.js';
import { builtRuntimePath, type RuntimeLoader, runtimeLoader } from './runtime-loader.js';
import { addRedactingSerializer } from './snapshot-serializer.js';

// Built: dist/vitest-runtime.cjs through the run's code cache (runtime-loader.ts). From source: runtime.ts.
const runtime = runtimeLoader(builtRuntimePath(import.meta.url), () => import('./runtime.js'));
/** @internal The worker's runtime loader, for bench P5 (a setup file's exports are otherwise unused). */
export const workerRuntime: Pick<RuntimeLoader, 'load' | 'cacheUse'> = runtime;
const run = takeTicket((scratchRoot) => runtime.load(scratchRoot));

if (run !== undefined) {
  const policy = run.handle.guard;
  const guard = testGuard(policy);
  run.onGuard = () => guard?.installed();
  // A connection is judged while a credential is held, so the guard comes with the run's first claim, before any is.
  // Offline, strict mode judges every connection: installed before the test file runs, and its first connection.
  if (judgesEveryConnection(policy)) {
    await run.guard();
  }
  afterAll(() => {
    // After the user's afterAll (the setup file's runs last), which may assign a copy of process.env back. The last
    // test's unstubEnvs comes with the next test's start: the next file's beforeEach checks again (isolate: false).
    checkProcessEnv();
    run.flush();
    // After the file's tests: the cache then holds what a fork compiles for a claim, a grant, a lease and a wipe.
    runtime.saveCache();
  });
  redactFileSnapshots(chai, () => currentBroker()?.scrubber);
  addRedactingSerializer(expect);

  // Docblock and `meta.credentials` declarations hold for exactly one test: acquired before its beforeEach hooks,
  // released after its afterEach hooks and fixtures (onTestFinished runs last, also on failure, timeout and skip).
  // A refused claim (a file claimed twice) fails every test that declares something, rather than run it without.
  // One hook for both, and a finish only for a test that holds something or runs under an installed guard: a hook
  // costs each test a timer and a promise in Vitest's runner.
  beforeEach(async ({ task, skip, annotate, onTestFinished }) => {
    // Before the test's own hooks and after the previous test's unstubEnvs (Vitest unstubs as a test starts): a
    // value released earlier and put back by the runner or the user's afterEach is gone before this test (or a child
    // it starts) can see it.
    checkProcessEnv();
    const guardFinish = guard?.begin(task);
    const file = task.file.filepath;
    const meta = task.meta.credentials ?? [];
    const leases = meta.length > 0 || run.mayDeclare.has(resolve(file)) ? new TaskLeases(task.name) : undefined;
    if (leases !== undefined || guardFinish !== undefined) {
      onTestFinished(() => {
        try {
          leases?.end();
        } finally {
          guardFinish?.();
        }
      });
    }
    if (leases === undefined) {
      return;
    }
    const broker = await run.claim();
    const names = [...new Set([...broker.declaredIn(file), ...meta])];
    if (names.length === 0) {
      return;
    }
    if (task.concurrent) {
      throw concurrentEnvError(task.name, names);
    }
    const request = { file, taskId: leaseId(task), names, env: process.env, label: task.fullName };
    const lease = await leases.acquire(broker, request, 'materialise');
    if (lease.skipped.length > 0) {
      await skipForMissing({ task, skip, annotate }, lease.skipped);
    }
  });
}

function concurrentEnvError(test: string, names: readonly string[]): BrokerError {
  return new BrokerError(
    'MATERIALISE_FAILED',
    `"${test}" runs concurrently and declares ${names.join(', ')} (docblock or meta.credentials), which are set as env vars; concurrent tests share one process.env, so one test's values would reach the others`,
    {
      backend: 'vitest',
      operation: 'materialise',
      hint: "Take the values from the fixture instead (const { NAME } = await credentials('NAME')), which works in concurrent tests, or run this test sequentially",
    }
  );
}
