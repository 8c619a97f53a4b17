/**
 * Minted credentials for tests (`aws-sts:`, `vault-token:`, `gcp-token:`, `azure-token:`): minted in the main process, shared per (identity, role, scope) while
 * fresh, every secret part registered with the scrubber the moment it is minted, and delivered per test either as
 * the SDK's variables (`as: 'env'`) or as a loopback credentials endpoint the SDK refreshes from (`as: 'endpoint'`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AwsStsMints, createAwsStsMints } from '../../backends/aws-sts/mints.js';
import { createVaultTokenMints, type VaultTokenMints } from '../../backends/vault/token-mints.js';
import type { CredentialSpec } from '../../config/normalise.js';
import type { Grant } from '../../contract/wire.js';
import { asBroker } from '../../guard/index.js';
import type { AwsSessionCredentials } from '../../login/aws-sts.js';
import type { AwsStsRef, AzureTokenRef, GcpTokenRef, MintedRef, VaultTokenRef } from '../../ref/types.js';
import { awsEndpointVars, awsEnvVars, type EmptyAwsFiles } from './aws-env.js';
import { type AzureTokenGrants, createAzureTokenGrants } from './azure.js';
import { type CredentialsEndpoint, openCredentialsEndpoint } from './endpoint.js';
import { createGcpTokenGrants, type GcpTokenGrants } from './gcp.js';
import type { MintedOptions } from './options.js';

export type { MintedOptions } from './options.js';

/** @public The minted credentials of one run. */
export interface MintedCredentials {
  /** One test's grant: the credential minted (or taken from the cache) and, for `endpoint`, its own endpoint. */
  grant(
    spec: CredentialSpec & { readonly ref: MintedRef },
    /** The worker asking (its claim): `azure-token:` endpoints are per worker, armed per test. */
    holder?: object
  ): Promise<Extract<Grant, { status: 'ok' }>>;
  /** Mints started so far (the bench counts them). */
  readonly mints: number;
  /** Endpoints still answering. */
  readonly openEndpoints: number;
  close(): Promise<void>;
}

/** @public */
export function createMintedCredentials(options: MintedOptions): MintedCredentials {
  const aws: AwsStsMints = createAwsStsMints(options.backends?.['aws-sts'], options.env);
  let vault: VaultTokenMints | undefined;
  let azure: AzureTokenGrants | undefined;
  const endpoints = new Set<Pick<CredentialsEndpoint, 'close' | 'closed'>>();
  const registered = new WeakSet<AwsSessionCredentials>();
  let empty: EmptyAwsFiles | undefined;

  const emptyFiles = (): EmptyAwsFiles => {
    if (empty === undefined) {
      const dir = join(options.scratchDir, 'aws-empty');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      empty = { config: join(dir, 'config'), credentials: join(dir, 'credentials') };
      writeFileSync(empty.config, '', { mode: 0o600 });
      writeFileSync(empty.credentials, '', { mode: 0o600 });
    }
    return empty;
  };

  // Every mint, re-mints included, reaches the scrubber before any test can print it.
  const mint = async (spec: CredentialSpec & { readonly ref: AwsStsRef }) => {
    const ctx = { env: options.env, baseDir: options.baseDir, signal: options.signal };
    const creds = await aws.credentials(spec.ref, spec.mint ?? {}, ctx);
    if (!registered.has(creds)) {
      registered.add(creds);
      options.audit?.minted({ backend: 'aws-sts', identity: `role ${spec.ref.roleArn}`, expiresAt: creds.expiration });
      for (const part of [creds.secretAccessKey, creds.sessionToken]) {
        const warning = options.scrubber.add(part.reveal(), spec.name);
        if (warning !== undefined) {
          options.log.warn(warning.message);
        }
      }
    }
    return creds;
  };

  const track = (endpoint: Pick<CredentialsEndpoint, 'close' | 'closed'>) => {
    endpoints.add(endpoint);
    void endpoint.closed.then(() => endpoints.delete(endpoint));
  };
  let gcp: GcpTokenGrants | undefined;

  // A child token per test, registered at creation, revoked when the test releases it (or the run ends).
  const vaultGrant = async (spec: CredentialSpec & { readonly ref: VaultTokenRef }) => {
    vault ??= createVaultTokenMints(options.backends?.vault, options.env);
    const mints = vault;
    const ctx = { env: options.env, baseDir: options.baseDir, signal: options.signal };
    const child = await mints.create(spec.ref, spec.mint ?? {}, ctx);
    const token = child.token.reveal();
    const warning = options.scrubber.add(token, spec.name);
    if (warning !== undefined) {
      options.log.warn(warning.message);
    }
    const role = `token role ${spec.ref.role}`;
    options.audit?.minted({ backend: 'vault-token', identity: role, expiresAt: child.expiresAt });
    const release = await openCredentialsEndpoint(undefined, async () => {
      // Asked by the test's worker when the test ends: the revocation is the broker's request, not the test's.
      const ok = await asBroker(() => mints.revoke(child));
      options.audit?.revoked({ backend: 'vault-token', what: 'token', of: role, ok });
    });
    track(release);
    return {
      name: spec.name,
      status: 'ok' as const,
      delivery: spec.delivery,
      envName: spec.envName,
      fileName: spec.fileName,
      perTest: true,
      value: mints.address,
      vars: {
        VAULT_TOKEN: token,
        VAULT_ADDR: mints.address,
        ...(mints.namespace === undefined ? {} : { VAULT_NAMESPACE: mints.namespace }),
      },
      secrets: [token, release.token],
      close: { url: release.url, authorization: release.token },
    };
  };

  return {
    async grant(spec, holder) {
      if (spec.ref.scheme === 'gcp-token') {
        gcp ??= createGcpTokenGrants(options, track);
        return gcp.grant(spec as CredentialSpec & { readonly ref: GcpTokenRef });
      }
      if (spec.ref.scheme === 'vault-token') {
        return vaultGrant(spec as CredentialSpec & { readonly ref: VaultTokenRef });
      }
      if (spec.ref.scheme === 'azure-token') {
        azure ??= createAzureTokenGrants(options);
        return azure.grant(spec as CredentialSpec & { readonly ref: AzureTokenRef }, track, holder);
      }
      const awsSpec = spec as CredentialSpec & { readonly ref: AwsStsRef };
      // Minted now even for an endpoint: a broken identity fails the test's acquire with our error, not the SDK's.
      const creds = await mint(awsSpec);
      const plain = {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey.reveal(),
        sessionToken: creds.sessionToken.reveal(),
      };
      const base = {
        name: spec.name,
        status: 'ok' as const,
        delivery: spec.delivery,
        envName: spec.envName,
        fileName: spec.fileName,
        perTest: true,
      };
      if (spec.delivery !== 'endpoint') {
        return {
          ...base,
          value: creds.accessKeyId,
          vars: awsEnvVars(plain, emptyFiles()),
          secrets: [plain.secretAccessKey, plain.sessionToken],
        };
      }
      const endpoint = await openCredentialsEndpoint(async () => {
        const fresh = await mint(awsSpec);
        return {
          AccessKeyId: fresh.accessKeyId,
          SecretAccessKey: fresh.secretAccessKey.reveal(),
          Token: fresh.sessionToken.reveal(),
          Expiration: fresh.expiration.toISOString(),
        };
      });
      track(endpoint);
      options.scrubber.add(endpoint.token, spec.name);
      return {
        ...base,
        value: endpoint.url,
        vars: awsEndpointVars(endpoint, emptyFiles()),
        secrets: [endpoint.token, plain.secretAccessKey, plain.sessionToken],
        close: { url: endpoint.url, authorization: endpoint.token },
      };
    },
    get mints() {
      return aws.mints + (vault?.mints ?? 0) + (gcp?.mints ?? 0) + (azure?.mints ?? 0);
    },
    get openEndpoints() {
      return endpoints.size;
    },
    async close() {
      await Promise.all([...endpoints].map((e) => e.close()));
      aws.close();
      gcp?.close();
      azure?.close();
    },
  };
}
