import type { Vitest } from 'vitest/node';

const warned = new WeakSet<Vitest>();

/**
 * @internal Vitest's vm pools evaluate the broker's setup file for a worker's first test file only (docs/vitest.md,
 * Limits): from its second file on, tests run without their credentials and nothing else says so. Said once per run,
 * with the fix, rather than leave a silent gap.
 */
export function warnUnsupportedPool(vitest: Vitest, pool: string): void {
  if ((pool !== 'vmForks' && pool !== 'vmThreads') || warned.has(vitest)) {
    return;
  }
  warned.add(vitest);
  vitest.logger.warn(
    `credential-broker: WARNING: the '${pool}' pool is not supported: a worker sets up the broker for its first test ` +
      "file only, so tests in its later files run WITHOUT their credentials. Use pool: 'forks' (Vitest's default)."
  );
}
