/**
 * `credential-broker/guard-preload` (dist/guard-preload.cjs): loaded with `--require` through NODE_OPTIONS in the
 * children of `credential-broker run` and of guarded tests. Installs the egress guard from the policy in
 * CREDENTIAL_BROKER_GUARD before any code of the child runs; does nothing without it.
 */
import { installGuard } from './install.js';
import { policyFromEnv } from './policy.js';

const policy = policyFromEnv(process.env);
if (policy !== undefined) {
  installGuard(policy);
}
