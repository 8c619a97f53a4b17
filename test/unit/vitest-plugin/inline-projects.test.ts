import { describe, expect, it } from 'vitest';
import { inlineProjectsWarning } from '../../../vitest-plugin/inline-projects.js';
import { credentialBroker } from '../../../vitest-plugin/plugin.js';

describe(inlineProjectsWarning.name, () => {
  it('names each inline project that neither extends a config nor lists the plugin, and says the fix', () => {
    const warning = inlineProjectsWarning([
      { test: { name: 'unit', include: ['a.test.ts'] } },
      { test: { include: ['b.test.ts'] } },
    ]);
    expect(warning).toBe(
      "credential-broker: WARNING: inline project 'unit', #2 of test.projects does not inherit the plugin: its @credentials docblocks are ignored (its tests run WITHOUT their credentials) and the credentials fixture fails. Give it `extends: true`, or add credentialBroker() to its own plugins."
    );
  });

  it('says nothing for projects that extend a config, list the plugin (also nested), or are config paths', () => {
    expect(
      inlineProjectsWarning([
        { extends: true, test: { name: 'api' } },
        { extends: './vitest.base.ts', test: { name: 'e2e' } },
        { plugins: [[credentialBroker()]], test: { name: 'own' } },
        'packages/*',
        './vitest.other.config.ts',
      ])
    ).toBeUndefined();
    expect(inlineProjectsWarning(undefined)).toBeUndefined();
  });

  it('counts `extends: false` as not inheriting', () => {
    expect(inlineProjectsWarning([{ extends: false, test: { name: 'x' } }])).toContain("inline project 'x'");
  });
});
