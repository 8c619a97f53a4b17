import { defineConfig, type Options } from 'tsup';

// esbuild escapes non-ASCII characters in code (`charset: 'ascii'`) but keeps them in comments, and one em dash makes
// Node decode the whole file on its slow path and V8 hold it as a two-byte string. Escaped there too, every file is
// ASCII. Measured in fresh processes (medians of 15-30): reading the Jest global setup (586 KB) 3.3 -> 2.3 ms; the
// Vitest runtime's load from its code cache, once per fork, 2.1 -> 1.8 ms. In a comment the escape is inert; anywhere
// else it is what esbuild writes.
const asciiOnly: NonNullable<Options['plugins']>[number] = {
  name: 'ascii-only',
  renderChunk: (code) => ({
    code: code.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  }),
};

const common = {
  target: 'node20',
  plugins: [asciiOnly],
  sourcemap: false,
  shims: false,
  // Keep `node:` specifiers: Vite's module runner (Vitest setup files) resolves a bare `stream` as a project file.
  removeNodeProtocol: false,
  // Bundled so only the zod/mini parts the config schema uses ship: requiring the zod package loads every locale
  // (~80 ms in each run's main process). It stays a dependency: the published .d.ts files import its types.
  noExternal: ['zod'],
} satisfies Options;

// Declaration files take most of the build; `npm run demo` needs only the JavaScript (CB_BUILD_JS_ONLY=1).
const withTypes = <T>(dts: T): T | false => (process.env['CB_BUILD_JS_ONLY'] === '1' ? false : dts);

// ESM for the core, the CLI and the Vitest side. One ESM build with splitting, so the core is one shared
// chunk (one module instance) however many entries import it, and backends stay lazy chunks.
// CJS as well where a host `require`s us: the core (`require('credential-broker')`) and everything Jest loads.
export default defineConfig([
  {
    ...common,
    entry: {
      index: 'src/index.ts',
      cli: 'src/cli/main.ts',
      // --- Vitest adapter, main process (the worker side is built below) ---
      'vitest-configure': 'vitest-plugin/configure.ts',
      'vitest-global-setup': 'vitest-plugin/global-setup.ts',
      // --- the local servers, shipped for users' offline tests (ESM only: gRPC loads lazily) ---
      testing: 'src/testing/index.ts',
    },
    format: ['esm'],
    dts: withTypes({
      entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
    }),
    splitting: true,
    clean: true,
  },
  // What a Vitest worker loads for every test file: each entry one self-contained file. A worker pays per module
  // file (Vitest's loader resolves each one), so the split build's dozen chunks cost ~20 ms per file and one file
  // ~4 ms (bench P5). The copies of shared code keep their state on globalThis (Symbol.for keys), so the setup file
  // and the fixture see one claim and one scrubber. `credential-broker/vitest` is also the plugin:
  // its main-process half is the split build's `vitest-configure` entry, imported when Vitest configures.
  {
    ...common,
    entry: {
      vitest: 'vitest-plugin/index.ts',
      // The plugin alone, for the Vitest config: `credential-broker/vitest` also exports `test`, which imports
      // Vitest's test API (chai, expect, the runner: ~35 ms) into the main process before the first fork.
      'vitest-plugin': 'vitest-plugin/plugin.ts',
      'vitest-setup': 'vitest-plugin/setup.ts',
    },
    format: ['esm'],
    dts: withTypes({ entry: { vitest: 'vitest-plugin/index.ts', 'vitest-plugin': 'vitest-plugin/plugin.ts' } }),
    splitting: false,
    esbuildPlugins: [
      {
        name: 'vitest-configure-entry',
        setup(build) {
          build.onResolve({ filter: /^\.\/configure\.js$/ }, () => ({ path: './vitest-configure.js', external: true }));
          build.onResolve({ filter: /^\.\/runtime\.js$/ }, () => ({ path: './vitest-runtime.cjs', external: true }));
        },
      },
    ],
  },
  {
    ...common,
    entry: {
      index: 'src/index.ts',
      // --- Jest adapter (owned by the Jest engineer) ---
      // Jest `require`s each of these by path; `jest` runs inside the test sandbox and stays tiny.
      'jest-environment': 'jest-environment/index.ts',
      'jest-environment-jsdom': 'jest-environment/jsdom.ts',
      'jest-global-setup': 'jest-environment/global-setup.ts',
      'jest-global-teardown': 'jest-environment/global-teardown.ts',
      'jest-runner': 'jest-environment/test-runner.ts',
      'jest-main-runner': 'jest-environment/main-runner.ts',
      'jest-reporter': 'jest-environment/reporter.ts',
      'jest-sequencer': 'jest-environment/sequencer.ts',
      'jest-preset': 'jest-environment/preset.ts',
      jest: 'jest-environment/api.ts',
      // Preloaded by NODE_OPTIONS in every Node child of a guarded run: CJS, so `--require` takes it.
      'guard-preload': 'src/guard/preload.ts',
      // The Vitest worker's runtime, loaded by the setup file only when a test file first needs a credential (most of
      // the worker side's code): CommonJS, so it can be compiled with V8's code cache (vitest-plugin/runtime-loader.ts).
      'vitest-runtime': 'vitest-plugin/runtime.ts',
    },
    format: ['cjs'],
    // `import.meta.url` in shared code (a module's own path) becomes `__filename`'s URL here, instead of an empty
    // object and esbuild's "import.meta is not available" warning every time Jest's bundle is built.
    shims: true,
    dts: withTypes({
      entry: {
        index: 'src/index.ts',
        'jest-environment': 'jest-environment/index.ts',
        'jest-environment-jsdom': 'jest-environment/jsdom.ts',
        'jest-reporter': 'jest-environment/reporter.ts',
        'jest-preset': 'jest-environment/preset.ts',
        jest: 'jest-environment/api.ts',
      },
    }),
    splitting: false,
  },
]);
