import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '@jest/types';
import { readConfig } from 'jest-config';
import { buildSnapshotResolver } from 'jest-snapshot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotPathOf } from '../../../jest-environment/snapshot-path.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cb-snap-path-'));
  writeFileSync(join(dir, 'package.json'), '{"private":true}');
  writeFileSync(
    join(dir, 'resolver.cjs'),
    `module.exports = {
  resolveSnapshotPath: (test, ext) => test.replace('/tests/', '/snaps/') + ext,
  resolveTestPath: (snap, ext) => snap.replace('/snaps/', '/tests/').slice(0, -ext.length),
  testPathForConsistencyCheck: '/x/tests/example.test.js',
};
`
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A config file of its own for each test: jest-snapshot caches one resolver per rootDir.
async function projectConfig(name: string, extra = ''): Promise<Config.ProjectConfig> {
  const file = join(dir, `${name}.config.cjs`);
  writeFileSync(file, `module.exports = { rootDir: __dirname + '/${name}', transform: {}${extra} };`);
  mkdirSync(join(dir, name));
  const argv = { $0: 'jest', _: [], config: file } as unknown as Config.Argv;
  return (await readConfig(argv, dir)).projectConfig;
}

describe('snapshotPathOf', () => {
  it('is where jest-snapshot’s default resolver puts the .snap, without loading it', async () => {
    const config = await projectConfig('default');
    const test = join(dir, 'default', 'tests', 'a.test.js');
    const jest = await buildSnapshotResolver(config, createRequire(import.meta.url));
    expect(snapshotPathOf(config, test)).toBe(jest.resolveSnapshotPath(test));
    expect(snapshotPathOf(config, test)).toBe(join(dir, 'default', 'tests', '__snapshots__', 'a.test.js.snap'));
  });

  it('asks a custom snapshotResolver, as Jest does', async () => {
    const config = await projectConfig('custom', ", snapshotResolver: __dirname + '/resolver.cjs'");
    const test = join(dir, 'custom', 'tests', 'b.test.js');
    expect(await snapshotPathOf(config, test)).toBe(join(dir, 'custom', 'snaps', 'b.test.js.snap'));
  });
});
