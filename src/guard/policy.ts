/** @public `egress.guard`: watch nothing, report what a test's credentials were not declared for, or refuse it. */
export type GuardMode = 'off' | 'report' | 'strict';

/** @public Loopback, the default of `egress.allow`: a user who sets the list decides about loopback too. */
export const DEFAULT_EGRESS_ALLOW: readonly string[] = ['127.0.0.0/8', '::1'];

/**
 * @public What a process's egress guard enforces. Serialisable and free of secrets (names, hosts, ports): it travels
 * in the session handle to the workers and in {@link ENV_GUARD} to Node children.
 */
export interface GuardPolicy {
  readonly mode: GuardMode;
  /** Whether the run may reach network backends; off + `strict` is the offline mode (every connection judged). */
  readonly egress: boolean;
  /** `egress.allow`: always allowed, whatever a test holds. */
  readonly allow: readonly string[];
  /** Credential name → its declared destinations (`destination` in the config). */
  readonly destinations: Readonly<Record<string, readonly string[]>>;
  /** JSON-lines file every guarded process of the run appends its findings to; the main process reads it. */
  readonly findings: string;
  /** Names held for the whole life of the process (children of `credential-broker run`), and who holds them. */
  readonly held?: { readonly names: readonly string[]; readonly label: string };
}

/**
 * @internal Offline strict mode: egress off and `strict`, the one mode that judges every connection (and lookup), held
 * credentials or not. Every other mode judges a connection only while a credential is held.
 */
export function judgesEveryConnection(policy: GuardPolicy | undefined): boolean {
  return policy?.mode === 'strict' && !policy.egress;
}

/** @public Env var carrying the policy (JSON) to Node children; read by `credential-broker/guard-preload`. */
export const ENV_GUARD = 'CREDENTIAL_BROKER_GUARD';

/** @internal The policy a child inherits, or undefined when the variable is absent or not ours. */
export function policyFromEnv(env: Readonly<Record<string, string | undefined>>): GuardPolicy | undefined {
  const raw = env[ENV_GUARD];
  if (raw === undefined || raw === '') {
    return undefined;
  }
  try {
    const policy = JSON.parse(raw) as GuardPolicy;
    return ['report', 'strict'].includes(policy.mode) && typeof policy.findings === 'string' ? policy : undefined;
  } catch {
    return undefined;
  }
}
