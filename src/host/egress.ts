import type { EgressSource } from '../egress/manifest.js';

/** @public Env var that turns egress on (`1`, `true`, `yes`) or off (`0`, `false`, `no`). */
export const ENV_EGRESS = 'CREDENTIAL_BROKER_EGRESS';

/** @internal Precedence: the CLI flag, then the env var, then the config, then off. */
export function decideEgress(
  flag: boolean | undefined,
  env: Readonly<Record<string, string | undefined>>,
  configured: boolean | undefined
): { enabled: boolean; source: EgressSource } {
  if (flag !== undefined) {
    return { enabled: flag, source: 'flag' };
  }
  const raw = env[ENV_EGRESS]?.trim().toLowerCase();
  if (raw !== undefined && raw !== '') {
    return { enabled: ['1', 'true', 'yes', 'on'].includes(raw), source: 'env' };
  }
  if (configured !== undefined) {
    return { enabled: configured, source: 'config' };
  }
  return { enabled: false, source: 'default' };
}
