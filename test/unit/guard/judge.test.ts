import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeFinding,
  findingsMark,
  findingsSince,
  type GuardPolicy,
  holdCredentials,
  readFindings,
} from '../../../src/guard/index.js';
import { targetOf } from '../../../src/guard/install.js';
import { asBroker, judge, setPolicy } from '../../../src/guard/state.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-guard-judge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function policy(overrides: Partial<GuardPolicy> = {}): GuardPolicy {
  return {
    mode: 'report',
    egress: true,
    allow: ['127.0.0.0/8', '::1'],
    destinations: { DB_URL: ['postgres://db.internal:5432/app'], TOKEN: ['https://api.example.test'] },
    findings: join(dir, 'findings.jsonl'),
    ...overrides,
  };
}

describe('judge', () => {
  it('watches only while credentials are held, unless offline and strict', () => {
    setPolicy(policy());
    expect(judge('api.other.test', 443)).toBeUndefined();
    setPolicy(policy({ mode: 'strict', egress: false }));
    expect(judge('api.other.test', 443)?.message).toBe(
      "credential-broker egress guard (strict) refused a connection to api.other.test:443: egress is off and api.other.test:443 is not in egress.allow. Declare it as the credential's destination, or add it to egress.allow, in credential-broker.config"
    );
    expect(judge('127.0.0.1', 80)).toBeUndefined();
    expect(judge('localhost', undefined, 'dns')).toBeUndefined();
    expect(judge('api.other.test', undefined, 'dns')).toBeDefined();
  });

  it('allows the declared destinations of what is held and egress.allow; names the rest', () => {
    setPolicy(policy());
    const mark = findingsMark();
    const release = holdCredentials(['DB_URL', 'TOKEN'], 'a.test.ts > talks');
    try {
      judge('db.internal', 5432);
      judge('api.example.test', 443);
      judge('127.0.0.9', 1234);
      judge('db.internal', 6543);
    } finally {
      release();
    }
    const again = holdCredentials(['DB_URL'], 'a.test.ts > talks to the API');
    try {
      judge('api.example.test', 443);
    } finally {
      again();
    }
    judge('elsewhere.test', 443);
    expect(findingsSince(mark).map(describeFinding)).toEqual([
      'a.test.ts > talks › DB_URL, TOKEN held while connecting to db.internal:6543 (not a declared destination)',
      'a.test.ts > talks to the API › DB_URL held while connecting to api.example.test:443 (not a declared destination)',
    ]);
    expect(readFindings(join(dir, 'findings.jsonl')).slice(-2).map(describeFinding)).toEqual(
      findingsSince(mark).map(describeFinding)
    );
  });

  it("exempts the broker's own requests (a backend resolving while a test holds credentials)", async () => {
    setPolicy(policy({ mode: 'strict' }));
    const release = holdCredentials(['TOKEN'], 'a.test.ts > in band');
    try {
      expect(await asBroker(async () => judge('vault.internal', 8200))).toBeUndefined();
      expect(judge('vault.internal', 8200)).toBeDefined();
    } finally {
      release();
    }
  });

  // A separate process: this one has a guard since the first test. On Node 20 a used AsyncLocalStorage taxes every
  // later promise of the process, so the broker's main process, which has no guard, must not use one.
  it('uses no AsyncLocalStorage in a process without a guard, and one as soon as it has a guard', () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const state = pathToFileURL(join(import.meta.dirname, '../../../src/guard/state.ts')).href;
    const script = `
      const { asBroker, setPolicy } = await import(${JSON.stringify(state)});
      const own = () => globalThis[Symbol.for('credential-broker.guard.own.v1')];
      const seen = [await asBroker(async () => 'work done'), own() === undefined];
      setPolicy(${JSON.stringify(policy())});
      seen.push(await asBroker(async () => own()?.getStore()));
      process.stdout.write(JSON.stringify(seen));`;
    const run = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(['work done', true, true]);
  });

  it('writes nothing secret: names, hosts and ports only', () => {
    expect(readFileSync(join(dir, 'findings.jsonl'), 'utf8')).not.toMatch(/value|SENTINEL/);
  });
});

describe('targetOf', () => {
  it.each([
    [[[{ host: 'db.internal', port: 5432 }, null]], { host: 'db.internal', port: 5432 }],
    [[{ port: '8080' }], { host: 'localhost', port: 8080 }],
    [[443, 'api.example.test', () => {}], { host: 'api.example.test', port: 443 }],
    [['/run/app.sock'], undefined],
    [[{ path: '/run/app.sock' }], undefined],
  ])('%j', (args, expected) => {
    expect(targetOf(args)).toEqual(expected);
  });
});
