import { relative } from 'node:path';
import type { Circus } from '@jest/types';
import { describe, expect, test } from 'vitest';
import { FileBroker } from '../../../jest-environment/file-broker.js';
import { BrokerError } from '../../../src/errors.js';
import { Scrubber } from '../../../src/scrub/index.js';
import type { AcquireRequest, Lease, WorkerBroker } from '../../../src/worker/index.js';

const VALUES: Record<string, string> = { LOCAL_A: 'CANARY_local_a_91f3', LOCAL_B: 'CANARY_local_b_5c20' };
const REASON = (name: string) =>
  `credential-broker: ${name} needs vault:secret/x (https://vault.internal:8200, self-hosted) but egress is disabled; set CREDENTIAL_BROKER_EGRESS=1 to resolve it`;

// A worker that hands out LOCAL_* and skips everything else, recording what was asked and what is still held.
function fakeWorker() {
  const requests: AcquireRequest[] = [];
  const live = new Set<string>();
  const scrubber = new Scrubber();
  const worker: WorkerBroker = {
    handle: {} as WorkerBroker['handle'],
    scrubber,
    declaredIn: () => ['LOCAL_A'],
    // Every request takes the round trip here; the worker's own tests cover acquireNow.
    acquireNow: () => undefined,
    async acquire(request): Promise<Lease> {
      requests.push(request);
      const unknown = request.names.find((n) => n.startsWith('BAD'));
      if (unknown !== undefined) {
        throw new BrokerError('UNKNOWN_CREDENTIAL', `${unknown} is declared neither in the config nor in the docblock`);
      }
      const skipped = request.names.filter((n) => !(n in VALUES)).map((name) => ({ name, reason: REASON(name) }));
      if (skipped.length > 0) {
        return { values: {}, files: {}, env: {}, skipped, release() {} };
      }
      const values = Object.fromEntries(request.names.map((n) => [n, VALUES[n] as string]));
      for (const [name, value] of Object.entries(values)) {
        scrubber.add(value, name);
      }
      live.add(request.taskId);
      return {
        values,
        files: Object.fromEntries(request.names.map((n) => [n, `/scratch/${request.taskId}/${n}`])),
        env: values,
        skipped: [],
        release: () => live.delete(request.taskId),
      };
    },
  };
  return { worker, requests, live };
}

function tree() {
  const root = {
    type: 'describeBlock',
    name: 'ROOT_DESCRIBE_BLOCK',
    children: [],
    hooks: [],
    tests: [],
  } as unknown as Circus.DescribeBlock;
  const state = {
    currentDescribeBlock: root,
    rootDescribeBlock: root,
    hasFocusedTests: false,
    testNamePattern: null,
    unhandledErrors: [],
  } as unknown as Circus.State;
  return { root, state };
}

function setup(
  options: { hasDocblock?: boolean; earlier?: () => WorkerBroker | undefined; docblockNames?: string[] } = {}
) {
  const fake = fakeWorker();
  let connects = 0;
  const { root, state } = tree();
  const env: Record<string, string | undefined> = {};
  // The sandbox's process.env as a test may reassign it (a copy put back in afterEach).
  let liveEnv: Record<string, string | undefined> = env;
  const warnings: string[] = [];
  let current: Circus.TestEntry | undefined;
  const broker = new FileBroker({
    testPath: '/project/tests/a.test.js',
    env,
    currentEnv: () => liveEnv,
    hasDocblock: options.hasDocblock ?? false,
    connect: () => {
      connects += 1;
      return fake.worker;
    },
    ...(options.earlier === undefined ? {} : { earlier: options.earlier }),
    ...(options.docblockNames === undefined ? {} : { docblockNames: options.docblockNames }),
    currentTest: () => current,
    warn: (message) => warnings.push(message),
  });
  const add = (name: string): Circus.TestEntry => {
    const fn = () => {};
    const entry = { type: 'test', name, fn, parent: root, errors: [], mode: undefined } as unknown as Circus.TestEntry;
    root.children.push(entry);
    broker.handleTestEvent({ name: 'add_test', fn, testName: name } as Circus.Event, state);
    return entry;
  };
  const event = (name: string, test: Circus.TestEntry) => broker.handleTestEvent({ name, test } as Circus.Event, state);
  const setCurrent = (test: Circus.TestEntry | undefined) => {
    current = test;
  };
  const assignEnv = (next: Record<string, string | undefined>) => {
    liveEnv = next;
  };
  return { ...fake, broker, root, state, env, warnings, add, event, setCurrent, assignEnv, connects: () => connects };
}

describe(FileBroker.name, () => {
  test('materialises the credentials of a withCredentials test at its start and releases them when it is done', async () => {
    const t = setup();
    let inside!: Circus.TestEntry;
    const outside = t.add('plain');
    t.broker.api().declare(['LOCAL_A', 'LOCAL_B'], () => {
      inside = t.add('needs both');
    });
    await t.event('test_start', outside);
    expect(t.requests).toEqual([]);
    await t.event('test_start', inside);
    expect(t.env).toEqual({ LOCAL_A: VALUES['LOCAL_A'], LOCAL_B: VALUES['LOCAL_B'] });
    t.setCurrent(inside);
    expect(t.broker.api().files()).toEqual({
      LOCAL_A: `/scratch/jest-w0-${process.pid}-1/LOCAL_A`,
      LOCAL_B: `/scratch/jest-w0-${process.pid}-1/LOCAL_B`,
    });
    await t.event('test_done', inside);
    expect(t.env).toEqual({});
    expect(t.live.size).toBe(0);
  });

  test('removes a released value that a copy of process.env, assigned back after the test, still holds', async () => {
    const t = setup();
    let inside!: Circus.TestEntry;
    t.broker.api().declare(['LOCAL_A'], () => {
      inside = t.add('holds a');
    });
    const later = t.add('declares nothing');
    t.env['OWN'] = 'by hand';
    await t.event('test_start', inside);
    const copy = { ...t.env }; // beforeEach(() => { saved = { ...process.env } })
    await t.event('test_done', inside);
    t.assignEnv(copy); // afterEach(() => { process.env = saved }), seen by the broker only after its release
    expect(copy['LOCAL_A']).toBe(VALUES['LOCAL_A']);
    await t.event('test_start', later);
    await t.event('test_fn_start', later);
    expect(copy).toEqual({ OWN: 'by hand' });
  });

  test('removes a released value that restoreMocks puts back in the next test, and keeps what was there before', async () => {
    const t = setup();
    let inside!: Circus.TestEntry;
    t.broker.api().declare(['LOCAL_A'], () => {
      inside = t.add('holds a');
    });
    const later = t.add('declares nothing');
    t.env['LOCAL_A'] = 'by hand';
    await t.event('test_start', inside);
    await t.event('test_done', inside);
    expect(t.env['LOCAL_A']).toBe('by hand');
    await t.event('test_start', later);
    t.env['LOCAL_A'] = VALUES['LOCAL_A']; // jest.replaceProperty's restore, in the next test's first beforeEach
    await t.broker.handleTestEvent({ name: 'hook_start', hook: { type: 'beforeEach' } } as Circus.Event, t.state);
    expect(t.env['LOCAL_A']).toBe('by hand');
    t.env['LOCAL_A'] = 'changed by the test';
    t.broker.teardown();
    expect(t.env['LOCAL_A']).toBe('changed by the test');
  });

  test('does not resolve anything for a tagged test that -t filters out', async () => {
    const t = setup();
    let inside!: Circus.TestEntry;
    t.broker.api().declare(['LOCAL_A'], () => {
      inside = t.add('needs a');
    });
    (t.state as { testNamePattern: RegExp }).testNamePattern = /something else/i;
    await t.event('test_start', inside);
    expect(t.requests).toEqual([]);
  });

  test('skips a tagged test before it runs when a credential is skipped, and records why', async () => {
    const t = setup();
    let inside!: Circus.TestEntry;
    t.broker.api().declare(['NET_DB'], () => {
      inside = t.add('talks to the db');
    });
    await t.event('test_start', inside);
    expect(inside.mode).toBe('skip');
    expect(t.broker.skipped).toEqual([
      { test: 'talks to the db', credentials: [{ name: 'NET_DB', reason: REASON('NET_DB') }] },
    ]);
    expect(t.warnings).toEqual([
      `skipped "talks to the db" in ${relative(process.cwd(), '/project/tests/a.test.js')}: NET_DB needs vault:secret/x (https://vault.internal:8200, self-hosted) but egress is disabled; set CREDENTIAL_BROKER_EGRESS=1 to resolve it`,
    ]);
  });

  test('skips every test of a file whose docblock credential is skipped', async () => {
    const t = setup({ hasDocblock: true });
    t.worker.declaredIn = () => ['NET_DB'];
    const first = t.add('one');
    const second = t.add('two');
    await t.broker.setup();
    await t.broker.handleTestEvent({ name: 'run_start' } as Circus.Event, t.state);
    expect([first.mode, second.mode]).toEqual(['skip', 'skip']);
    expect(t.broker.skipped.map((s) => s.test)).toEqual(['one', 'two']);
  });

  test('holds docblock credentials for the whole file and releases them at teardown', async () => {
    const t = setup({ hasDocblock: true });
    await t.broker.setup();
    expect(t.env).toEqual({ LOCAL_A: VALUES['LOCAL_A'] });
    t.broker.teardown();
    expect(t.env).toEqual({});
    expect(t.live.size).toBe(0);
  });

  test('turns a test whose only error is a mid-test skip into a skipped test', async () => {
    const t = setup();
    const entry = t.add('asks at run time');
    t.setCurrent(entry);
    const error = await t.broker
      .api()
      .credentials(['NET_DB'])
      .catch((e: unknown) => e);
    entry.errors.push([error, undefined]);
    await t.event('test_done', entry);
    expect(entry.errors).toEqual([]);
    expect(entry.status).toBe('skip');
    expect(t.broker.skipped.map((s) => s.test)).toEqual(['asks at run time']);
  });

  test('returns values from credentials() and releases them with the test', async () => {
    const t = setup();
    const entry = t.add('asks');
    t.setCurrent(entry);
    const values = await t.broker.api().credentials(['LOCAL_B']);
    expect(values).toEqual({ LOCAL_B: VALUES['LOCAL_B'] });
    expect(t.broker.api().env()).toEqual({ LOCAL_B: VALUES['LOCAL_B'] });
    await t.event('test_done', entry);
    expect(t.env).toEqual({});
  });

  test('fails the test (before its body) with the broker error when a name is unknown, and scrubs failures', async () => {
    const t = setup();
    let inside!: Circus.TestEntry;
    t.broker.api().declare(['BAD_NAME'], () => {
      inside = t.add('typo');
    });
    await t.event('test_start', inside);
    expect(String(inside.errors[0])).toBe(
      'BrokerError: BAD_NAME is declared neither in the config nor in the docblock'
    );
    const other = t.add('leaks');
    t.setCurrent(other);
    await t.broker.api().credentials(['LOCAL_A']);
    other.errors.push([new Error(`expected ${VALUES['LOCAL_A']} to be empty`), undefined]);
    await t.event('test_done', other);
    expect(String((other.errors[0] as Error[])[0])).toBe('Error: expected [redacted:LOCAL_A] to be empty');
  });

  describe('event subscription', () => {
    // Records attach/leave as the environment's CircusEvents would see them.
    function subscribed(t: ReturnType<typeof setup>) {
      const calls: string[] = [];
      t.broker.subscribe({ attach: () => void calls.push('attach'), leave: (e) => void calls.push(`leave:${e.name}`) });
      return calls;
    }
    const runStart = (t: ReturnType<typeof setup>) =>
      t.broker.handleTestEvent({ name: 'run_start' } as Circus.Event, t.state);

    test('leaves the event handlers when the run starts and no test declared credentials of its own', async () => {
      const t = setup({ hasDocblock: true });
      const calls = subscribed(t);
      t.add('one');
      await t.broker.setup();
      await runStart(t);
      expect(calls).toEqual(['leave:run_start']);
    });

    test('stays for a file with a withCredentials test', async () => {
      const t = setup();
      const calls = subscribed(t);
      t.broker.api().declare(['LOCAL_A'], () => t.add('tagged'));
      await runStart(t);
      const tagged = t.root.children[0] as Circus.TestEntry;
      await t.event('test_start', tagged);
      await t.event('test_done', tagged);
      expect(calls).toEqual([]);
    });

    test('comes back for a test that calls credentials(), in time for its test_done', async () => {
      const t = setup();
      const calls = subscribed(t);
      const entry = t.add('asks');
      await runStart(t);
      t.setCurrent(entry);
      await t.broker.api().credentials(['LOCAL_B']);
      expect(calls).toEqual(['leave:run_start', 'attach']);
      await t.event('test_done', entry);
      expect(t.env).toEqual({});
    });

    test('answers test_start synchronously for a test without credentials of its own', () => {
      const t = setup();
      const plain = t.add('plain');
      expect(t.event('test_start', plain)).toBeUndefined();
    });
  });

  describe('with an earlier file’s claim in the same worker', () => {
    // An earlier file's broker holding LOCAL_A's grant: acquireNow serves it and nothing else, as the worker does.
    function earlierWorker() {
      const scrubber = new Scrubber();
      scrubber.add(VALUES['LOCAL_A'] as string, 'LOCAL_A');
      const asked: AcquireRequest[] = [];
      const worker: WorkerBroker = {
        handle: {} as WorkerBroker['handle'],
        scrubber,
        declaredIn: () => [],
        acquireNow(request) {
          asked.push(request);
          if (request.names.some((n) => n !== 'LOCAL_A')) {
            return undefined;
          }
          const values = { LOCAL_A: VALUES['LOCAL_A'] as string };
          return { values, files: {}, env: values, skipped: [], release() {} };
        },
        acquire: () => Promise.reject(new Error('an earlier file’s broker never asks the session for this file')),
      };
      return { worker, asked };
    }

    test('serves its granted credentials without claiming this file, and scrubs with its values', async () => {
      const earlier = earlierWorker();
      const t = setup({ earlier: () => earlier.worker });
      const test = t.add('needs a');
      t.setCurrent(test);
      expect(await t.broker.api().credentials(['LOCAL_A'])).toEqual({ LOCAL_A: VALUES['LOCAL_A'] });
      expect(t.connects()).toBe(0);
      expect(earlier.asked.map((r) => r.file)).toEqual(['/project/tests/a.test.js']);
      expect(t.broker.scrubber.scrub(`got ${VALUES['LOCAL_A']}`)).not.toContain(VALUES['LOCAL_A']);
    });

    test('serves a docblock of config names before the file’s tests, without claiming the file', async () => {
      const earlier = earlierWorker();
      const t = setup({ hasDocblock: true, docblockNames: ['LOCAL_A'], earlier: () => earlier.worker });
      await t.broker.setup();
      expect(t.connects()).toBe(0);
      expect(t.env).toEqual({ LOCAL_A: VALUES['LOCAL_A'] });
      t.broker.teardown();
      expect(t.env).toEqual({});
    });

    test('claims a docblock file whose names are not all config names (an inline ref), and asks for its own', async () => {
      const earlier = earlierWorker();
      const t = setup({ hasDocblock: true, earlier: () => earlier.worker });
      await t.broker.setup();
      expect(t.connects()).toBe(1);
      expect(earlier.asked).toEqual([]);
      expect(t.requests.map((r) => r.names)).toEqual([['LOCAL_A']]);
    });

    test('claims this file for a name the worker was not granted yet', async () => {
      const earlier = earlierWorker();
      const t = setup({ earlier: () => earlier.worker });
      t.setCurrent(t.add('needs b'));
      expect(await t.broker.api().credentials(['LOCAL_B'])).toEqual({ LOCAL_B: VALUES['LOCAL_B'] });
      expect(t.connects()).toBe(1);
      expect(t.requests.map((r) => r.names)).toEqual([['LOCAL_B']]);
    });
  });

  test('rejects withCredentials with a non-array and with an async callback', () => {
    const t = setup();
    expect(() => t.broker.api().declare('LOCAL_A' as unknown as string[], () => {})).toThrow(
      'jest: withCredentials "/project/tests/a.test.js": needs an array of credential names. Write withCredentials([\'DATABASE_URL\'], () => { test(…) })'
    );
    expect(() => t.broker.api().declare(['LOCAL_A'], (async () => {}) as () => void)).toThrow(
      'jest: withCredentials "/project/tests/a.test.js": the callback returned a promise. Define tests synchronously, as in describe()'
    );
  });
});
