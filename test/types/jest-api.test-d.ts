// Type test of the Jest API, checked by `tsc -p tsconfig.json` (npm run typecheck); nothing here runs.
// Users import from 'credential-broker/jest'; this file imports the same module from source.
import { describe, expectTypeOf, test } from 'vitest';
import {
  type CredentialName,
  type CredentialValues,
  credentials,
  withCredentials,
} from '../../jest-environment/api.js';
import type { CredentialsFixture } from '../../vitest-plugin/index.js';

// The one registry both runners read (what docs/configuration.md tells users to write in credential-names.d.ts).
declare global {
  namespace CredentialBroker {
    interface CredentialNames {
      DATABASE_URL: true;
      API_TOKEN: true;
      KUBECONFIG: true;
    }
  }
}

describe('Jest credentials()', () => {
  test('resolves to exactly the names asked for, like the Vitest fixture', async () => {
    const result = await credentials('DATABASE_URL', 'API_TOKEN');
    expectTypeOf(result).toEqualTypeOf<CredentialValues<'DATABASE_URL' | 'API_TOKEN'>>();
    // @ts-expect-error: a name that was not asked for is not in the result
    void result.KUBECONFIG;
    const vitestFixture = null as unknown as CredentialsFixture;
    expectTypeOf(await vitestFixture('DATABASE_URL', 'API_TOKEN')).toEqualTypeOf(result);
  });

  test('accepts only registered names, and at least one', () => {
    expectTypeOf<CredentialName>().toEqualTypeOf<'DATABASE_URL' | 'API_TOKEN' | 'KUBECONFIG'>();
    // @ts-expect-error: a typo
    void credentials('DATABASE_ULR');
    // @ts-expect-error: no names
    void credentials();
    // @ts-expect-error: a typo in withCredentials
    withCredentials(['DATABASE_ULR'], () => undefined);
  });

  test('credentials.files has the shape of the Vitest fixture', () => {
    const vitestFixture = null as unknown as CredentialsFixture;
    expectTypeOf(credentials.files.KUBECONFIG).toEqualTypeOf<string | undefined>();
    expectTypeOf(credentials.files.KUBECONFIG).toEqualTypeOf(vitestFixture.files.KUBECONFIG);
  });
});
