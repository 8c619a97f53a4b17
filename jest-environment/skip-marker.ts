import { SKIP_MARKER } from './constants.js';

/** @public A credential a test could not have, and why (egress disabled, with the ref and endpoint). */
export interface SkippedCredential {
  readonly name: string;
  readonly reason: string;
}

/**
 * @internal Thrown by `credentials()` when a credential asked for in the middle of a test is skipped. Jest has no
 * runtime skip, so the environment turns a test whose only errors are these into a skipped one at `test_done`.
 */
export function skipMarker(skipped: readonly SkippedCredential[]): Error {
  const error = new Error(skipped.map((s) => s.reason).join('\n'));
  error.name = 'CredentialSkipped';
  Object.defineProperty(error, SKIP_MARKER, { value: skipped, enumerable: false });
  return error;
}

/** @internal The skipped credentials a marker carries, or undefined for any other error (realm-safe). */
export function skippedBy(error: unknown): readonly SkippedCredential[] | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined;
  }
  const value = (error as Record<symbol, unknown>)[SKIP_MARKER];
  return Array.isArray(value) ? (value as SkippedCredential[]) : undefined;
}
