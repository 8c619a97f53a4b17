import { defineConfig, type Options } from 'tsup';

const common = { target: 'node20', sourcemap: false, shims: false } satisfies Options;

// ESM for the core, the CLI and the Vitest side. One ESM build with splitting, so the core is one shared
// chunk (one module instance) however many entries import it, and backends stay lazy chunks.
// CJS as well where a host `require`s us: the core (`require('credential-broker')`) and everything Jest loads.
export default defineConfig([
  {
    ...common,
    entry: {
      index: 'src/index.ts',
      cli: 'src/cli/main.ts',
      // --- Vitest adapter (owned by the Vitest engineer) ---
      vitest: 'vitest-plugin/index.ts',
      'vitest-global-setup': 'vitest-plugin/global-setup.ts',
      'vitest-setup': 'vitest-plugin/setup.ts',
      'vitest-snapshot-serializer': 'vitest-plugin/snapshot-serializer.ts',
    },
    format: ['esm'],
    dts: { entry: { index: 'src/index.ts', vitest: 'vitest-plugin/index.ts' } },
    splitting: true,
    clean: true,
  },
  {
    ...common,
    entry: {
      index: 'src/index.ts',
      // --- Jest adapter (owned by the Jest engineer) ---
      'jest-environment': 'jest-environment/index.ts',
    },
    format: ['cjs'],
    dts: { entry: { index: 'src/index.ts', 'jest-environment': 'jest-environment/index.ts' } },
    splitting: false,
  },
]);
