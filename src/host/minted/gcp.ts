/**
 * `gcp-token:` grants for tests: an access token minted in the main process (shared per identity, service account
 * and scopes while fresh), registered with the scrubber and the audit record the moment it is minted, re-mints
 * included, and delivered per test as a loopback GCE metadata server (`as: 'endpoint'`, the default) or in the
 * variable the entry names (`as: 'env'`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createGcpTokenMints,
  type GcpAccessToken,
  type GcpTokenMints,
  gcpTokenScopes,
} from '../../backends/gcp-token/mints.js';
import type { CredentialSpec } from '../../config/normalise.js';
import type { Grant } from '../../contract/wire.js';
import type { GcpTokenRef } from '../../ref/types.js';
import { type MetadataEndpoint, openMetadataEndpoint } from './gcp-metadata-endpoint.js';
import type { MintedOptions } from './options.js';

/** @public What the grants need of the run: the minted credentials' options. */
export type GcpGrantOptions = MintedOptions;

/** @public The gcp-token grants of one run. */
export interface GcpTokenGrants {
  grant(spec: CredentialSpec & { readonly ref: GcpTokenRef }): Promise<Extract<Grant, { status: 'ok' }>>;
  readonly mints: number;
  close(): void;
}

/**
 * @public What google-auth-library's default chain would find before the metadata server, hidden for the test:
 * `GOOGLE_APPLICATION_CREDENTIALS` set to '' (the library reads an empty value as unset), gcloud's configuration
 * (`CLOUDSDK_CONFIG`, read by gcloud and by the library's project lookup through gcloud) pointed at an empty
 * directory, gcloud's own token variable emptied. The library's well-known ADC file is found through `$HOME`, not
 * `CLOUDSDK_CONFIG`; the broker does not move `$HOME` (docs/identity.md says so).
 */
function hidden(emptyConfig: string): Record<string, string> {
  return { GOOGLE_APPLICATION_CREDENTIALS: '', CLOUDSDK_CONFIG: emptyConfig, CLOUDSDK_AUTH_ACCESS_TOKEN: '' };
}

/** @public */
export function createGcpTokenGrants(
  options: GcpGrantOptions,
  track: (endpoint: { readonly closed: Promise<void>; close(): Promise<void> }) => void
): GcpTokenGrants {
  const mints: GcpTokenMints = createGcpTokenMints(options.backends?.['gcp-token']);
  const registered = new WeakSet<GcpAccessToken>();
  let empty: string | undefined;
  const emptyConfig = () => {
    if (empty === undefined) {
      empty = join(options.scratchDir, 'gcloud-empty');
      mkdirSync(empty, { recursive: true, mode: 0o700 });
    }
    return empty;
  };

  // Every mint, re-mints included, reaches the scrubber and the audit record before any test can print it.
  const mint = async (spec: CredentialSpec & { readonly ref: GcpTokenRef }): Promise<GcpAccessToken> => {
    const ctx = { env: options.env, baseDir: options.baseDir, signal: options.signal };
    const minted = await mints.token(spec.ref, spec.mint ?? {}, ctx);
    if (!registered.has(minted)) {
      registered.add(minted);
      options.audit?.minted({
        backend: 'gcp-token',
        identity: `service account ${spec.ref.serviceAccount}`,
        expiresAt: minted.expiresAt,
      });
      const warning = options.scrubber.add(minted.token.reveal(), spec.name);
      if (warning !== undefined) {
        options.log.warn(warning.message);
      }
    }
    return minted;
  };

  return {
    async grant(spec) {
      // Minted now even for an endpoint: a broken identity fails the test's acquire with our error, not the library's.
      const first = await mint(spec);
      const base = {
        name: spec.name,
        status: 'ok' as const,
        delivery: spec.delivery,
        envName: spec.envName,
        fileName: spec.fileName,
        perTest: true,
      };
      const token = first.token.reveal();
      if (spec.delivery !== 'endpoint') {
        return {
          ...base,
          value: token,
          vars: { ...hidden(emptyConfig()), [spec.envName]: token },
          secrets: [token],
        };
      }
      const endpoint: MetadataEndpoint = await openMetadataEndpoint({
        serviceAccount: spec.ref.serviceAccount,
        scopes: gcpTokenScopes(spec.mint ?? {}),
        token: async () => {
          const fresh = await mint(spec);
          return { accessToken: fresh.token.reveal(), expiresAt: fresh.expiresAt };
        },
      });
      track(endpoint);
      options.scrubber.add(endpoint.release, spec.name);
      return {
        ...base,
        value: endpoint.host,
        vars: {
          ...hidden(emptyConfig()),
          // gcp-metadata reads GCE_METADATA_IP before GCE_METADATA_HOST: both name this test's server.
          GCE_METADATA_HOST: endpoint.host,
          GCE_METADATA_IP: endpoint.host,
          // No detection ping whose answer the library would cache for the worker: the server is there.
          METADATA_SERVER_DETECTION: 'assume-present',
        },
        secrets: [endpoint.release, token],
        close: { url: endpoint.url, authorization: endpoint.release },
      };
    },
    get mints() {
      return mints.mints;
    },
    close() {
      mints.close();
    },
  };
}
