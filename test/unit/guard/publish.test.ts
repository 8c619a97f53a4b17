import { afterEach, describe, expect, it } from 'vitest';
import { ENV_GUARD, type GuardPolicy, holdCredentials } from '../../../src/guard/index.js';
import { publishToChildren, setPolicy } from '../../../src/guard/state.js';

const policy: GuardPolicy = {
  mode: 'report',
  egress: true,
  allow: ['127.0.0.0/8'],
  destinations: { DB_URL: ['postgres://db.internal:5432/app'], TOKEN: ['https://api.example.test'] },
  findings: '/nonexistent/findings.jsonl',
};

const published = () => JSON.parse(process.env[ENV_GUARD] ?? 'null') as GuardPolicy | null;

afterEach(() => {
  delete process.env[ENV_GUARD];
});

describe('publishing what is held to Node children', () => {
  it('names exactly what the live holders hold, and nothing once they let go', () => {
    setPolicy(policy);
    publishToChildren();
    expect(published()).toEqual(policy);
    const releaseA = holdCredentials(['DB_URL'], 'a.test › one');
    const releaseB = holdCredentials(['TOKEN'], 'b.test › two');
    expect(published()).toEqual({
      ...policy,
      held: { names: ['DB_URL', 'TOKEN'], label: 'a.test › one, b.test › two' },
    });
    releaseA();
    expect(published()).toEqual({ ...policy, held: { names: ['TOKEN'], label: 'b.test › two' } });
    releaseB();
    expect(published()).toEqual(policy);
  });

  it('follows a replaced policy', () => {
    setPolicy(policy);
    publishToChildren();
    const strict = { ...policy, mode: 'strict' as const, allow: [] };
    setPolicy(strict);
    const release = holdCredentials(['TOKEN'], 'c.test');
    expect(published()).toEqual({ ...strict, held: { names: ['TOKEN'], label: 'c.test' } });
    release();
    expect(published()).toEqual(strict);
  });
});
