/// <reference types="vitest/config" />
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { inlineProjectsWarning } from './inline-projects.js';
import { type CredentialBrokerPluginOptions, validatePluginOptions } from './options.js';

export type { CredentialBrokerPluginOptions } from './options.js';

/**
 * @public The credential-broker Vite plugin for Vitest. It finds `credential-broker.config.*` (or takes `options`),
 * adds the broker's reporter (first, so it survives `--reporter`), its setup file (before yours) and its global
 * setup, forces full assertion messages (`chaiConfig.truncateThreshold: 0`, so no value is half-printed) and
 * registers a snapshot serializer that redacts values (from the setup file).
 *
 * Import it from `credential-broker/vitest/plugin` in the Vitest config: `credential-broker/vitest` exports it too,
 * beside `test`, which loads Vitest's test API into the main process.
 *
 * ```ts
 * import { credentialBroker } from 'credential-broker/vitest/plugin';
 * export default defineConfig({ plugins: [credentialBroker()] });
 * ```
 */
export function credentialBroker(options?: CredentialBrokerPluginOptions): Plugin {
  const validated = validatePluginOptions(options);
  return {
    name: 'credential-broker',
    config(config) {
      // Said by the root config, the only place that sees its inline projects (a project without the plugin runs none of ours).
      const warning = inlineProjectsWarning(config.test?.projects);
      if (warning !== undefined) {
        process.stderr.write(`${warning}\n`);
      }
      return {
        test: { chaiConfig: { truncateThreshold: 0 } },
      };
    },
    async configureVitest({ vitest, project }) {
      // Imported here, not at the top: workers import this module for `test`, and must not load the main process's.
      const { configureBroker } = await import('./configure.js');
      await configureBroker(vitest, project.config, validated);
      // First, so raw output is scrubbed before any user setup file writes, and hooks see credentials already set.
      project.config.setupFiles.unshift(entryPath('vitest-setup', 'setup'));
      const { config } = project;
      config.globalSetup = [...toArray(config.globalSetup), entryPath('vitest-global-setup', 'global-setup')];
    },
  };
}

function toArray(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

// Built: dist/<name>.js next to this chunk. From source (this repo's own tests): vitest-plugin/<source>.ts.
function entryPath(built: string, source: string): string {
  const dist = fileURLToPath(new URL(`./${built}.js`, import.meta.url));
  return existsSync(dist) ? dist : fileURLToPath(new URL(`./${source}.ts`, import.meta.url));
}
