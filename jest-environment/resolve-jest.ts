import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * @internal Loads one of Jest's own modules (`jest-circus/runner`, `@jest/test-sequencer`) the way the user's
 * Jest would find it: from the project, then from next to `jest-config` and `jest` (strict layouts such as pnpm
 * do not hoist them to the project), then from here.
 */
export function requireFromJest<T>(request: string, rootDir: string = process.cwd()): T {
  // Once per worker: the test runner asks for every test file.
  const key = `${rootDir}\u0000${request}`;
  if (!loaded.has(key)) {
    loaded.set(key, load(request, rootDir));
  }
  return loaded.get(key) as T;
}

const loaded = new Map<string, unknown>();

function load(request: string, rootDir: string): unknown {
  const path = resolveFromJest(request, rootDir);
  return interopDefault(createRequire(path)(path));
}

/** @internal Where {@link requireFromJest} finds `request`: the resolved file path. */
export function resolveFromJest(request: string, rootDir: string = process.cwd()): string {
  const fromRoot = createRequire(join(rootDir, 'package.json'));
  const bases: string[] = [];
  for (const anchor of ['jest-config/package.json', 'jest-circus/package.json', 'jest/package.json']) {
    try {
      bases.push(fromRoot.resolve(anchor));
    } catch {
      // Not installed under that name; try the next.
    }
  }
  for (const base of [join(rootDir, 'package.json'), ...bases]) {
    try {
      return createRequire(base).resolve(request);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') {
        throw error;
      }
    }
  }
  return createRequire(join(__dirname, 'noop.cjs')).resolve(request);
}

function interopDefault(module: unknown): unknown {
  const m = module as { __esModule?: boolean; default?: unknown } | null;
  return m !== null && typeof m === 'object' && m.__esModule === true && 'default' in m ? m.default : module;
}
