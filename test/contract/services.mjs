/**
 * What the contract suite needs per real service, from the environment only: no address, role or ref of ours is
 * assumed. A service whose variables are incomplete runs with egress off, so the broker skips its tests with the
 * reason, and `missing` names the variables to set.
 */

/** The services the contract suite knows. */
export const SERVICES = ['vault', 'aws', 'gcp', 'azure'];

const need = (env, names) => names.filter((name) => (env[name] ?? '') === '');

/** The broker config of one service's contract run: one credential, CONTRACT_SECRET, from `CB_CONTRACT_<S>_REF`. */
/** @returns {{ config: object, missing: string[] }} `missing`: env vars still to set, empty when reachable. */
export function contractConfig(service, env) {
  switch (service) {
    case 'vault':
      return {
        missing: need(env, ['VAULT_ADDR', 'VAULT_TOKEN', 'CB_CONTRACT_VAULT_REF']),
        config: {
          backends: { vault: { auth: { method: 'token' } } },
          credentials: {
            CONTRACT_SECRET: env.CB_CONTRACT_VAULT_REF || 'vault:secret/credential-broker-contract#value',
          },
        },
      };
    case 'aws':
      return {
        missing: need(env, ['AWS_REGION', 'CB_CONTRACT_AWS_REF']),
        config: {
          backends: { 'aws-sm': { auth: { method: 'default' } } },
          credentials: { CONTRACT_SECRET: env.CB_CONTRACT_AWS_REF || 'aws-sm://credential-broker-contract' },
        },
      };
    case 'gcp':
      return {
        missing: need(env, ['GOOGLE_APPLICATION_CREDENTIALS', 'CB_CONTRACT_GCP_REF']),
        config: {
          backends: { 'gcp-sm': { auth: { method: 'default' } } },
          credentials: {
            CONTRACT_SECRET: env.CB_CONTRACT_GCP_REF || 'gcp-sm://credential-broker-contract/contract-secret',
          },
        },
      };
    case 'azure':
      return {
        missing: need(env, ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'CB_CONTRACT_AZURE_REF']),
        config: {
          backends: { 'azure-kv': { auth: { method: 'default' } } },
          credentials: { CONTRACT_SECRET: env.CB_CONTRACT_AZURE_REF || 'azure-kv://cb-contract/contract-secret' },
        },
      };
    default:
      throw new Error(`CB_CONTRACT_SERVICE=${service}: expected one of ${SERVICES.join(', ')}`);
  }
}
