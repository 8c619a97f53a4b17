/**
 * `credential-broker run -- npm test` (or `yarn test`, `sh -c …`, `make test`): `run` cannot tell from argv that
 * Vitest or Jest runs inside, so it resolves every credential and sets it in the command's environment. Vitest's
 * and Jest's workers, every test and their children would inherit all of them, whatever each test declared. So
 * `run` also names, in {@link ENV_RUN_VARS}, the variables it set for the command (names only, never a value), and
 * the Vitest plugin and the Jest preset, in their main process before any global setup or worker starts, take them
 * out of the environment that everything after them inherits: they resolve per test themselves.
 */

/** @internal Env var holding the comma-separated NAMES of the variables `credential-broker run` set for its child. */
export const ENV_RUN_VARS = 'CREDENTIAL_BROKER_RUN_VARS';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * @internal What `run` puts in {@link ENV_RUN_VARS}: the variables it sets whose value the child would not have had
 * anyway. A variable already holding the same value (an `env:X` credential delivered as `X`) is left out: it is the
 * environment's own, and the plugin's plan must still read it (it resolves `env:` sources and removes them itself).
 */
export function runVarNames(
  set: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>
): string[] {
  return Object.entries(set)
    .filter(([name, value]) => env[name] !== value)
    .map(([name]) => name);
}

/**
 * @internal Deletes the variables `run` listed (and the list) from `env`, and returns the one line that says so, or
 * undefined when there was nothing to remove. `who` names the integration ("the Vitest plugin"), `rerun` the command
 * that would not resolve twice.
 */
export function releaseRunVars(
  env: Record<string, string | undefined>,
  who: string,
  rerun: string
): string | undefined {
  const listed = env[ENV_RUN_VARS];
  if (listed === undefined) {
    return undefined;
  }
  delete env[ENV_RUN_VARS];
  const names = [...new Set(listed.split(',').map((n) => n.trim()))].filter((n) => NAME.test(n));
  const removed = names.filter((name) => env[name] !== undefined);
  for (const name of removed) {
    delete env[name];
  }
  if (removed.length === 0) {
    return undefined;
  }
  const [count, them] = removed.length === 1 ? ['1 variable', 'it'] : [`${removed.length} variables`, 'them'];
  return `credential-broker: \`credential-broker run\` set ${count} (${removed.join(', ')}) for the whole command; ${who} removed ${them} before any worker starts, since it gives each test only what it declares. \`credential-broker run -- ${rerun}\` would not resolve ${them} twice`;
}
