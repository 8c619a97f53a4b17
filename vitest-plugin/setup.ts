/**
 * The broker's setup file, placed before the user's so that its stream wrappers and hooks come first. Vitest
 * imports it again for every test file, in the worker; Node evaluates it once per worker (see `registerEachFile`).
 * Its first import in a worker run takes that run's one-time
 * ticket out of the provided handle (see global-setup.ts) before any test code runs. The ticket is spent, and the
 * runtime (the egress guard's socket patch, the channel client, materialisation, the scrub engine) loaded, only when
 * a file of the run needs a credential (see claim.ts): a file that declares nothing loads this file and no more.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, chai, expect, TestRunner } from 'vitest';
import { BrokerError } from '../src/errors.js';
import { judgesEveryConnection } from '../src/guard/policy.js';
import { checkProcessEnv } from '../src/materialise/released-env.js';
import { currentBroker, takeTicket } from './claim.js';
import { testGuard } from './egress-guard.js';
import { redactFileSnapshots } from './file-snapshot.js';
import { leaseId, skipForMissing, TaskLeases } from './leases.js';
import { builtRuntimePath, inMainContext, type RuntimeLoader, runtimeLoader } from './runtime-loader.js';
import { addRedactingSerializer } from './snapshot-serializer.js';

// Built: dist/vitest-runtime.cjs through the run's code cache (runtime-loader.ts). From source: runtime.ts.
const runtime = runtimeLoader(builtRuntimePath(import.meta.url), () => import('./runtime.js'));
/** @internal The worker's runtime loader, for bench P5 (a setup file's exports are otherwise unused). */
export const workerRuntime: Pick<RuntimeLoader, 'load' | 'cacheUse' | 'saveCache'> = runtime;
const run = takeTicket((scratchRoot) => runtime.load(scratchRoot));
const guard = run === undefined ? undefined : testGuard(run.handle.guard);

const REGISTERED = Symbol.for('credential-broker.vitest.setup-registrations.v1');
// How many times a file's hooks were registered in this worker, by any instance of this module.
const registrations = (): number => (globalThis as { [REGISTERED]?: number })[REGISTERED] ?? 0;

/** The hooks of one test file: each file of the worker needs its own (Vitest keeps hooks per file). */
function registerFileHooks(): void {
  if (run === undefined) {
    return;
  }
  (globalThis as { [REGISTERED]?: number })[REGISTERED] = registrations() + 1;
  // After the user's setup files and the test file's top level: the snapshot serializers go ahead of theirs.
  beforeAll(() => addRedactingSerializer(expect));
  afterAll(() => {
    // After the user's afterAll (the setup file's runs last), which may assign a copy of process.env back. The last
    // test's unstubEnvs comes with the next test's start: the next file's beforeEach checks again (isolate: false).
    checkProcessEnv();
    run.flush();
    // After the file's tests: the cache then holds what a fork compiles for a claim, a grant, a lease and a wipe.
    runtime.saveCache();
  });

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

const EACH_FILE = Symbol.for('credential-broker.vitest.setup-each-file.v1');
type Patched = { [EACH_FILE]?: true; importFile(filepath: string, source: string): Promise<unknown> };

/**
 * Vitest imports each setup file again for every test file of a worker (it invalidates its own record first). Once
 * installed in node_modules, this one is external to Vite, Vitest hands it to Node's `import()`, and Node evaluates a
 * module once: with `isolate: false`, the hooks above were registered for the worker's first file only, and later
 * files ran their tests without their credentials, and without the released-value check. (Linked from outside
 * node_modules, as this repository's e2e link it, Vite runs it again for each file, and it registers its hooks
 * itself.) The runner's setup import is wrapped: when importing this file registered nothing, the hooks are
 * registered for the file now collected. Not in Vitest's vm pools: there each file evaluates this module anew.
 */
function registerEachFile(register: () => void): void {
  const proto = TestRunner.prototype as unknown as Patched;
  if (!inMainContext() || proto[EACH_FILE]) {
    return;
  }
  proto[EACH_FILE] = true;
  const self = realPath(process.getBuiltinModule('node:url').fileURLToPath(import.meta.url));
  const importFile = proto.importFile;
  proto.importFile = async function importFileAgain(this: Patched, filepath, source) {
    const before = registrations();
    const imported = await importFile.call(this, filepath, source);
    if (source === 'setup' && registrations() === before && realPath(filepath) === self) {
      register();
    }
    return imported;
  };
}

function realPath(path: string): string {
  try {
    return process.getBuiltinModule('node:fs').realpathSync(path);
  } catch {
    return path;
  }
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

// Last: what it calls is declared above.
if (run !== undefined) {
  run.onGuard = () => guard?.installed();
  // A connection is judged while a credential is held, so the guard comes with the run's first claim, before any is.
  // Offline, strict mode judges every connection: installed before the test file runs, and its first connection.
  if (judgesEveryConnection(run.handle.guard)) {
    await run.guard();
  }
  redactFileSnapshots(chai, () => currentBroker()?.scrubber);
  registerFileHooks();
  registerEachFile(registerFileHooks);
}
