import { basename, dirname, join } from 'node:path';
import type { Config } from '@jest/types';
import type * as JestSnapshot from 'jest-snapshot';
import { requireFromJest } from './resolve-jest.js';

type Resolver = Awaited<ReturnType<typeof JestSnapshot.buildSnapshotResolver>>;

const resolvers = new Map<string, Promise<Resolver>>();

/**
 * @internal Where jest-snapshot writes the `.snap` of `testPath`. The default resolver's rule is computed here:
 * loading jest-snapshot into the worker's own realm, and the script transformer `buildSnapshotResolver` makes on
 * every call, cost each worker tens of milliseconds for a path join. A custom `snapshotResolver` is loaded through
 * jest-snapshot, once per worker and project.
 */
export function snapshotPathOf(config: Config.ProjectConfig, testPath: string): string | Promise<string> {
  if (config.snapshotResolver === undefined) {
    // jest-snapshot's createDefaultSnapshotResolver: `__snapshots__/<file>.snap` beside the test file.
    return join(dirname(testPath), '__snapshots__', `${basename(testPath)}.snap`);
  }
  const key = `${config.rootDir}\u0000${config.snapshotResolver}`;
  let resolver = resolvers.get(key);
  if (resolver === undefined) {
    const snapshot = requireFromJest<typeof JestSnapshot>('jest-snapshot', config.rootDir);
    resolver = snapshot.buildSnapshotResolver(config);
    resolvers.set(key, resolver);
  }
  return resolver.then((r) => r.resolveSnapshotPath(testPath));
}
