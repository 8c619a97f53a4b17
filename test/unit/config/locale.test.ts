import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import de from 'zod/v4/locales/de.js';
import { validateConfig } from '../../../src/config/load.js';

function messageOf(config: unknown): string {
  try {
    validateConfig(config, 'inline', '/project');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

// zod keeps its config on globalThis, so a user's own `z.config(...)` reaches our bundled copy too.
describe(validateConfig.name, () => {
  afterEach(() => {
    z.config({ localeError: undefined, customError: undefined });
  });

  it("keeps English messages whatever the user's zod is configured with", () => {
    z.config(de());
    z.config({ customError: () => 'user message' });
    expect(messageOf({ scrub: { minLength: 1000 } })).toBe(
      'load config "inline": 1 problem:\n  - scrub.minLength: Too big: expected number to be <=64. See the configuration reference in the README'
    );
  });

  it("does not set a locale on the user's zod", () => {
    validateConfig({}, 'inline', '/project');
    expect(z.config().localeError).toBeUndefined();
  });
});
