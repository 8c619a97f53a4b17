// Type test of the credentials fixture, checked by `tsc -p tsconfig.json` (npm run typecheck); nothing here runs.
// Users import from 'credential-broker/vitest'; this file imports the same module from source.
import { describe, expectTypeOf } from 'vitest';
import {
  type CredentialName,
  type CredentialsFixture,
  type CredentialValues,
  test,
  withCredentials,
} from '../../vitest-plugin/index.js';

// What a user writes once (e.g. in a vitest.d.ts) to make names strict: the names of their config.
declare module '../../vitest-plugin/index.js' {
  interface CredentialNames {
    DATABASE_URL: true;
    API_TOKEN: true;
    KUBECONFIG: true;
  }
}

declare const credentials: CredentialsFixture;

describe('credentials()', () => {
  test('resolves to exactly the names asked for, each a string', async () => {
    const result = await credentials('DATABASE_URL', 'API_TOKEN');
    expectTypeOf(result).toEqualTypeOf<CredentialValues<'DATABASE_URL' | 'API_TOKEN'>>();
    expectTypeOf(result).toEqualTypeOf<{ readonly DATABASE_URL: string; readonly API_TOKEN: string }>();
    // @ts-expect-error: a name that was not asked for is not in the result
    void result.KUBECONFIG;
  });

  test('accepts only registered names, and at least one', () => {
    expectTypeOf<CredentialName>().toEqualTypeOf<'DATABASE_URL' | 'API_TOKEN' | 'KUBECONFIG'>();
    // @ts-expect-error: a typo
    void credentials('DATABASE_ULR');
    // @ts-expect-error: no names
    void credentials();
  });

  test('exposes the file paths delivered so far', () => {
    expectTypeOf(credentials.files.KUBECONFIG).toEqualTypeOf<string | undefined>();
  });

  test('is what the extended test hands to a test', () => {
    test('inside a test', async ({ credentials: fixture }) => {
      expectTypeOf(fixture).toEqualTypeOf<CredentialsFixture>();
      const { DATABASE_URL } = await fixture('DATABASE_URL');
      expectTypeOf(DATABASE_URL).toEqualTypeOf<string>();
    });
  });

  test('withCredentials() makes test options, with registered names only', () => {
    expectTypeOf(withCredentials('DATABASE_URL')).toEqualTypeOf<{
      readonly meta: { readonly credentials: readonly 'DATABASE_URL'[] };
    }>();
    test('declared', withCredentials('DATABASE_URL', 'KUBECONFIG'), () => {});
    // @ts-expect-error: a typo
    withCredentials('KUBE_CONFIG');
  });
});
