/**
 * How a Vitest worker loads the runtime (runtime.ts) on its run's first claim. Every test file is a fresh fork, and
 * a fresh V8 compiles each function of ours on its first call. Built, the runtime is one CommonJS file that this
 * module compiles with V8's code cache: the run's first fork to finish its file leaves the cache (the bytecode of the
 * runtime's own functions as that fork compiled them; a value the fork held is data, never code, and never in it —
 * see the tests) in the run's private scratch root, and every later fork compiles from it. Measured on the P2 docblock
 * suite (timestamps in 200 forks, against the ESM import before): loading the runtime 5.0 → 2.7 ms, the first test's
 * acquire 2.8 → 1.9 ms, a fork's life from setup file to last hook 1.5 ms shorter (the load overlaps the test file's
 * import, so most of what it saves was hidden already). From source (this repository's own tests), a plain `import()`.
 */
import { closeSync, constants, fstatSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Script } from 'node:vm';
import { scratchRootProblem } from '../src/materialise/open-task-dir.js';
import { readSmallFileBytesSync, writeExclusiveFileSync } from '../src/materialise/safe-fs.js';
import { readFullySync } from '../src/read-fully.js';

/** @internal What the setup file calls the runtime. */
export type Runtime = typeof import('./runtime.js');

/**
 * @internal How the runtime was compiled in this process: from the run's cache, or not (and why not); `imported` when
 * it was imported instead (from source, or in one of Vitest's vm pools).
 */
export type CacheUse = 'from cache' | 'compiled' | 'cache rejected' | 'imported';

/** @internal One worker process's runtime: loaded once, on first need. */
export interface RuntimeLoader {
  load(scratchRoot: string): Promise<Runtime>;
  /** Leaves the code cache for the run's later forks if this process compiled without one; true if it did. */
  saveCache(): boolean;
  /** For the bench and the tests. Undefined until loaded. */
  readonly cacheUse: CacheUse | undefined;
}

// The cache is the broker's own bytecode, a few hundred KB at most; anything larger was not written by us.
const MAX_CACHE_BYTES = 8 * 1024 * 1024;

/**
 * @internal `built` is the CommonJS runtime's path. `fallback` imports the runtime instead when it does not exist (this
 * repository's source) or when this module runs in a vm context of Vitest's (vmForks, vmThreads).
 */
export function runtimeLoader(built: string, fallback: () => Promise<Runtime>): RuntimeLoader {
  let loading: Promise<Runtime> | undefined;
  let cacheUse: CacheUse | undefined;
  let pending: { script: Script; path: string } | undefined;

  const compileRuntime = (scratchRoot: string): Runtime => {
    const fd = openSync(built, constants.O_RDONLY);
    let source: string;
    let cachePath: string;
    try {
      const stat = fstatSync(fd);
      source = readAll(fd, stat.size).toString('utf8');
      // Named for this very file: V8 checks a cache against its source's length only, not its content.
      cachePath = join(scratchRoot, `runtime-${stat.ino}-${stat.size}-${Math.trunc(stat.mtimeMs)}.v8cache`);
    } finally {
      closeSync(fd);
    }
    // Only a root that is ours alone, as the main process made it (0700, our uid, its name), may hold code we run.
    const cacheable = scratchRootProblem(scratchRoot) === undefined;
    const cachedData = cacheable ? readSmallFileBytesSync(cachePath, MAX_CACHE_BYTES) : undefined;
    // Node's own CommonJS wrapper, so the file runs as `require` would run it (and names itself in stack traces).
    const script = new (vm().Script)(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
      filename: built,
      ...(cachedData === undefined ? {} : { cachedData }),
    });
    cacheUse = cachedData === undefined ? 'compiled' : script.cachedDataRejected ? 'cache rejected' : 'from cache';
    if (cacheUse !== 'from cache' && cacheable) {
      pending = { script, path: cachePath };
    }
    const module = { exports: {} as Runtime };
    script.runInThisContext()(module.exports, nodeModule().createRequire(built), module, built, dirname(built));
    return module.exports;
  };

  return {
    get cacheUse() {
      return cacheUse;
    },
    load(scratchRoot) {
      loading ??=
        existsAsFile(built) && inMainContext()
          ? Promise.resolve().then(() => compileRuntime(scratchRoot))
          : fallback().then((runtime) => {
              cacheUse = 'imported';
              return runtime;
            });
      return loading;
    },
    saveCache() {
      const save = pending;
      pending = undefined;
      return save !== undefined && writeCache(save.path, () => save.script.createCachedData());
    },
  };
}

/** @internal The built runtime next to the built setup file (`import.meta.url`). */
export function builtRuntimePath(setupUrl: string): string {
  return join(dirname(url().fileURLToPath(setupUrl)), 'vitest-runtime.cjs');
}

// Vitest's vm pools evaluate the setup file in a context of their own, with its own globalThis, where the runtime
// must keep its shared state too; a script compiled here would run in the process's main context. There, Vitest's
// loader imports the runtime into the test's context instead. `process` is the main context's object in every
// context (Vitest hands it in), so its prototype chain ends at this context's Object.prototype only in the main
// one: a check that compiles nothing (running a script to read the main globalThis cost ~0.3 ms per fork).
/** @internal Whether this module runs in the process's main context (not in a vm context of Vitest's vm pools). */
export function inMainContext(): boolean {
  let proto: object = process;
  for (let next = Object.getPrototypeOf(proto); next !== null; next = Object.getPrototypeOf(proto)) {
    proto = next;
  }
  return proto === Object.prototype;
}

// What only loading the runtime needs is taken from Node when it is needed, not imported by the setup file that every
// fork evaluates (a builtin's first ESM importer pays for its module facade).
const vm = () => process.getBuiltinModule('node:vm');
const nodeModule = () => process.getBuiltinModule('node:module');
const url = () => process.getBuiltinModule('node:url');

function existsAsFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readAll(fd: number, size: number): Buffer {
  const buffer = Buffer.allocUnsafe(size);
  return buffer.subarray(0, readFullySync(fd, buffer));
}

// Written whole under a name of this process's, then renamed: a fork reading at the same moment sees the old file or
// the new one, never half of one. A cache is only ever an optimisation: any failure leaves the run as it was.
function writeCache(path: string, data: () => Buffer): boolean {
  const partial = `${path}.${process.pid}.partial`;
  try {
    writeExclusiveFileSync(partial, data());
    renameSync(partial, path);
    return true;
  } catch {
    try {
      unlinkSync(partial);
    } catch {
      // Nothing was written.
    }
    return false;
  }
}
