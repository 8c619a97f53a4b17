/**
 * The broker's setup file, placed before the user's so that its stream wrappers and hooks come first. Vitest
 * imports it again for every test file, in the worker. Its first import in a worker run claims the run's files with
 * the one-time ticket the main process put in that run's message (see global-setup.ts).
 */
import { afterAll, beforeEach, chai, expect } from 'vitest';
import { BrokerError } from '../src/errors.js';
import { guardEachTest } from './egress-guard.js';
import { redactFileSnapshots } from './file-snapshot.js';
import { scrubWorkerOutput } from './output-scrubbing.js';
import { addRedactingSerializer } from './snapshot-serializer.js';
import { claimCurrent, leaseId, requireBroker, skipForMissing, TaskLeases } from './worker.js';

// The ticket is spent here, before the test file (or any code it imports) runs.
// A refused claim (a spent ticket, a file claimed twice) fails the file loudly rather than run it without its plan.
const broker = (await claimCurrent()) ?? failIfRefused();

if (broker !== undefined) {
  const flushOutput = scrubWorkerOutput(broker.scrubber);
  afterAll(() => flushOutput());
  redactFileSnapshots(chai, () => broker.scrubber);
  addRedactingSerializer(expect);
  guardEachTest();

  // Docblock and `meta.credentials` declarations hold for exactly one test: acquired before its beforeEach hooks,
  // released after its afterEach hooks and fixtures (onTestFinished runs last, also on failure, timeout and skip).
  beforeEach(async ({ task, skip, annotate, onTestFinished }) => {
    const file = task.file.filepath;
    const names = [...new Set([...broker.declaredIn(file), ...(task.meta.credentials ?? [])])];
    if (names.length === 0) {
      return;
    }
    if (task.concurrent) {
      throw concurrentEnvError(task.name, names);
    }
    const leases = new TaskLeases(task.name);
    onTestFinished(() => leases.end());
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

function failIfRefused(): undefined {
  try {
    requireBroker('claim');
  } catch (error) {
    // Not active in this project: nothing to fail. A refused claim carries its own code.
    if (!(error instanceof BrokerError) || error.code !== 'CONFIG_INVALID') {
      throw error;
    }
  }
  return undefined;
}
