import type { Vitest } from 'vitest/node';

const MESSAGES = {
  shares: (pool) =>
    `credential-broker: WARNING: the '${pool}' pool shares this terminal with every test: a child process with ` +
    "inherited stdio or an fs.writeSync(1, …) in a test is NOT scrubbed. Use pool: 'forks' (Vitest's default), " +
    "or give child processes stdio: 'pipe'.",
  unsupported: (pool) =>
    `credential-broker: WARNING: the '${pool}' pool is not supported: a worker sets up the broker for its first test ` +
    "file only, so tests in its later files run WITHOUT their credentials. Use pool: 'forks' (Vitest's default).",
} satisfies Record<string, (pool: string) => string>;

// Each pool's limits, with the fix, said once per run (configureVitest runs for every project).
const WARNINGS: Readonly<Record<string, readonly (keyof typeof MESSAGES)[]>> = {
  // Threads share the main process's fd 1 and 2: a child with inherited stdio or `fs.writeSync(1, …)` in a test
  // reaches the terminal with no pipe to interpose on.
  threads: ['shares'],
  vmThreads: ['shares', 'unsupported'],
  // A vm pool's worker evaluates the setup file for its first test file only (docs/vitest.md, Limits): from its
  // second file on, tests run without their credentials and nothing else says so.
  vmForks: ['unsupported'],
};

const warned = new WeakSet<Vitest>();

/** @internal What the run's pool cannot do for the broker, said once per run. */
export function warnAboutPool(vitest: Vitest, pool: string): void {
  const kinds = WARNINGS[pool];
  if (kinds === undefined || warned.has(vitest)) {
    return;
  }
  warned.add(vitest);
  for (const kind of kinds) {
    vitest.logger.warn(MESSAGES[kind](pool));
  }
}
