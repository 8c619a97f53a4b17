import { describe, expect, it } from 'vitest';
import { ENV_RUN_VARS, releaseRunVars, runVarNames } from '../../../src/host/run-vars.js';

const CANARY = 'CANARY_RUN_VARS_UNIT_3f9a';

describe(releaseRunVars.name, () => {
  it('removes the variables run listed, and the list, and names them (never a value) in one line', () => {
    const env: Record<string, string | undefined> = {
      [ENV_RUN_VARS]: 'API_TOKEN, API_TOKEN_FILE,API_TOKEN,GONE',
      API_TOKEN: CANARY,
      API_TOKEN_FILE: '/run/x/api-token',
      SOURCE_TOKEN: CANARY,
      PATH: '/usr/bin',
    };
    const line = releaseRunVars(env, 'the Vitest plugin', 'npx vitest run');
    expect(env).toEqual({ SOURCE_TOKEN: CANARY, PATH: '/usr/bin' });
    expect(line).toBe(
      'credential-broker: `credential-broker run` set 2 variables (API_TOKEN, API_TOKEN_FILE) for the whole command; the Vitest plugin removed them before any worker starts, since it gives each test only what it declares. `credential-broker run -- npx vitest run` would not resolve them twice'
    );
    expect(line).not.toContain(CANARY);
  });

  it('does nothing without a list, and ignores what is not a variable name', () => {
    const env: Record<string, string | undefined> = { API_TOKEN: CANARY };
    expect(releaseRunVars(env, 'the Jest preset', 'npx jest')).toBeUndefined();
    expect(env).toEqual({ API_TOKEN: CANARY });
    const odd: Record<string, string | undefined> = { [ENV_RUN_VARS]: 'A=B,,$X', A: '1' };
    expect(releaseRunVars(odd, 'the Jest preset', 'npx jest')).toBeUndefined();
    expect(odd).toEqual({ A: '1' });
  });
});

describe(runVarNames.name, () => {
  it('lists what run adds or changes, not a variable that already holds the same value', () => {
    expect(
      runVarNames({ API_TOKEN: CANARY, SAME: CANARY, CHANGED: CANARY }, { SAME: CANARY, CHANGED: 'before' })
    ).toEqual(['API_TOKEN', 'CHANGED']);
  });
});
