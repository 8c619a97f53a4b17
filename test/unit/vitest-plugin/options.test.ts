import { describe, expect, it } from 'vitest';
import { validatePluginOptions } from '../../../vitest-plugin/options.js';

describe(validatePluginOptions.name, () => {
  it('accepts no options and every known option', () => {
    expect(validatePluginOptions(undefined)).toEqual({});
    const options = { configFile: 'ci/credential-broker.config.ts', egress: false, announce: true };
    expect(validatePluginOptions(options)).toBe(options);
    expect(validatePluginOptions({ config: { credentials: {} } })).toEqual({ config: { credentials: {} } });
  });

  it('names every bad option by path and what it expected, never its value', () => {
    expect(() =>
      validatePluginOptions({ egress: 'yes', configFile: 3, token: 'CANARY_OPTION_VALUE', config: [] })
    ).toThrow(
      'vitest: credentialBroker(): options.egress: expected a boolean; options.configFile: expected a string; options.token: unknown option (known: configFile, config, egress, announce); options.config: expected a config object; options: give either configFile or config, not both'
    );
  });

  it('rejects a non-object', () => {
    expect(() => validatePluginOptions('credential-broker.config.ts')).toThrow(
      'vitest: credentialBroker(): options: expected an object'
    );
  });
});
