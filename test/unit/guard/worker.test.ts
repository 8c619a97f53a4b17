import { afterAll, describe, expect, it } from 'vitest';
import { ENV_GUARD, type GuardPolicy } from '../../../src/guard/index.js';
import { guardState } from '../../../src/guard/state.js';
import { installGuardInWorker } from '../../../src/guard/worker.js';

const policy: GuardPolicy = {
  mode: 'report',
  egress: true,
  allow: ['127.0.0.0/8'],
  destinations: { DB_URL: ['postgres://db.internal:5432/app'] },
  findings: '/nonexistent/findings.jsonl',
};

const saved = { guard: process.env[ENV_GUARD], options: process.env['NODE_OPTIONS'] };
afterAll(() => {
  for (const [name, value] of [
    [ENV_GUARD, saved.guard],
    ['NODE_OPTIONS', saved.options],
  ] as const) {
    if (value === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = value;
    }
  }
});

describe(installGuardInWorker.name, () => {
  it('keeps the installed policy when the next test file brings an equal copy, and replaces a different one', () => {
    installGuardInWorker(policy);
    const installed = guardState()?.policy;
    expect(installed).toBe(policy);
    // Each Jest test file deserialises its own copy of the handle.
    installGuardInWorker(structuredClone(policy));
    expect(guardState()?.policy).toBe(installed);
    const other = { ...policy, allow: [] };
    installGuardInWorker(other);
    expect(guardState()?.policy).toBe(other);
    // Back to the first policy: a change since the last install, so it is installed again.
    installGuardInWorker(structuredClone(policy));
    expect(guardState()?.policy).toEqual(policy);
    expect(guardState()?.policy).not.toBe(other);
  });
});
