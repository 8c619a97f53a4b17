/**
 * The one registry of credential names, shared by the Vitest fixture and the Jest `credentials()`. It is a global
 * namespace rather than a module's interface because the Vitest types (ESM) and the Jest types (CJS) are separate
 * declaration bundles: a global interface merges across both, so one augmentation types both runners.
 *
 * ```ts
 * // credential-names.d.ts (any .ts/.d.ts your tsconfig includes). `export {}` makes it a module, so that
 * // `declare global` augments instead of declaring a script.
 * export {};
 * declare global {
 *   namespace CredentialBroker {
 *     interface CredentialNames {
 *       DATABASE_URL: true;
 *       KUBECONFIG: true;
 *     }
 *   }
 * }
 * ```
 */

declare global {
  namespace CredentialBroker {
    /** @public Augment with the names of your config: `credentials()` and `withCredentials()` then accept only them. */
    interface CredentialNames {}
  }
}

/**
 * @public A credential name: a key of the registry (the global `CredentialBroker.CredentialNames`, plus `extra`,
 * a runner module's own `CredentialNames` kept for compatibility), or any string while both are empty.
 */
export type RegisteredName<Extra = unknown> = [keyof (CredentialBroker.CredentialNames & Extra)] extends [never]
  ? string
  : Extract<keyof (CredentialBroker.CredentialNames & Extra), string>;

/** @public The values a `credentials(...)` call resolves to, by name. */
export type CredentialValues<K extends string> = { readonly [P in K]: string };
