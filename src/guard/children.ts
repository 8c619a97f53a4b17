import { ENV_GUARD, type GuardPolicy } from './policy.js';

/**
 * @internal The env vars that carry the guard into Node children: the policy, and `--require` of the preload in
 * NODE_OPTIONS (kept after the user's own options). Other programs ignore both: a documented limit.
 */
export function guardChildEnv(
  policy: GuardPolicy,
  preload: string,
  env: Readonly<Record<string, string | undefined>>
): Record<string, string> {
  const require = `--require=${JSON.stringify(preload)}`;
  const options = env['NODE_OPTIONS'] ?? '';
  return {
    [ENV_GUARD]: JSON.stringify(policy),
    NODE_OPTIONS: options.includes(require) ? options : `${options} ${require}`.trim(),
  };
}
