/**
 * `azure-token:<client-id>` credentials for tests: Entra access tokens minted in the main process (one per identity,
 * application and scope, shared while fresh), each new token registered with the scrubber and the audit record the
 * moment it is first seen, delivered per test as a managed-identity endpoint (default) or as one variable.
 */

import { type AzureTokenMints, createAzureTokenMints, expiryForSdk } from '../../backends/azure-token/mints.js';
import type { CredentialSpec } from '../../config/normalise.js';
import type { Grant } from '../../contract/wire.js';
import { resourceOfScope } from '../../egress/azure-token.js';
import type { AzureTokenRef } from '../../ref/types.js';
import { AZURE_COMPETING_MSI, azureEndpointVars } from './azure-env.js';
import { type AzureIdentityEndpoint, openAzureIdentityEndpoint } from './azure-identity-endpoint.js';
import type { MintedOptions } from './options.js';

/** @public The `azure-token:` half of a run's minted credentials. */
export interface AzureTokenGrants {
  /**
   * One test's grant. `holder` is the worker asking (its claim): its tests share one endpoint, armed per test (see
   * azure-identity-endpoint.ts for why); without one, every grant gets an endpoint of its own.
   */
  grant(
    spec: CredentialSpec & { readonly ref: AzureTokenRef },
    track: (endpoint: { close(): Promise<void>; readonly closed: Promise<void> }) => void,
    holder?: object
  ): Promise<Extract<Grant, { status: 'ok' }>>;
  readonly mints: number;
  close(): void;
}

/** @public What {@link createAzureTokenGrants} takes of the run's minted-credential options. */
export type AzureTokenGrantOptions = Pick<MintedOptions, 'backends' | 'env' | 'baseDir' | 'scrubber' | 'log' | 'audit'>;

/** @public */
export function createAzureTokenGrants(options: AzureTokenGrantOptions): AzureTokenGrants {
  const mints: AzureTokenMints = createAzureTokenMints(options.backends?.['azure-token'], options.env);
  const seen = new Set<string>();
  const byWorker = new WeakMap<object, Map<string, Promise<AzureIdentityEndpoint>>>();
  let warned = false;

  // Every token, re-mints included, reaches the scrubber before any test can print it.
  const token = async (spec: CredentialSpec & { readonly ref: AzureTokenRef }, scope: string) => {
    const minted = await mints.token(spec.ref, scope, { env: options.env, baseDir: options.baseDir });
    if (!seen.has(minted.token)) {
      seen.add(minted.token);
      const warning = options.scrubber.add(minted.token, spec.name);
      if (warning !== undefined) {
        options.log.warn(warning.message);
      }
      options.audit?.minted({
        backend: 'azure-token',
        identity: `client ${spec.ref.clientId} for ${scope}`,
        expiresAt: minted.expiresAt,
      });
    }
    return minted;
  };

  return {
    async grant(spec, track, holder = {}) {
      const scope = spec.mint?.scope;
      const base = {
        name: spec.name,
        status: 'ok' as const,
        delivery: spec.delivery,
        envName: spec.envName,
        fileName: spec.fileName,
        perTest: true,
      };
      if (spec.delivery !== 'endpoint') {
        // The config requires a scope for env; an inline (docblock) ref has none and gets the endpoint instead.
        const minted = await token(spec, scope ?? '');
        return { ...base, value: minted.token, secrets: [minted.token] };
      }
      // Minted now when the scope is known: a broken identity fails the test's acquire with our error, not the SDK's.
      const first = scope === undefined ? undefined : await token(spec, scope);
      const competing = AZURE_COMPETING_MSI.filter((name) => options.env[name] !== undefined);
      if (competing.length > 0 && !warned) {
        warned = true;
        options.log.warn(
          `${competing.join(', ')} set: the Azure SDK picks another managed-identity source than the azure-token endpoint; unset them for the run`
        );
      }
      const endpoints = byWorker.get(holder) ?? new Map<string, Promise<AzureIdentityEndpoint>>();
      byWorker.set(holder, endpoints);
      // One endpoint per worker and credential (name, application and scope decide what it serves).
      const key = JSON.stringify([spec.name, spec.ref.clientId, scope ?? null]);
      let opening = endpoints.get(key);
      if (opening === undefined) {
        opening = openAzureIdentityEndpoint({
          clientId: spec.ref.clientId,
          ...(scope === undefined ? {} : { resource: resourceOfScope(scope) }),
          token: async (asked) => {
            const fresh = await token(spec, asked);
            return { accessToken: fresh.token, expiresOn: expiryForSdk(fresh) };
          },
        });
        endpoints.set(key, opening);
        const opened = await opening;
        track(opened);
        options.scrubber.add(opened.header, spec.name);
      }
      const endpoint = await opening;
      const release = endpoint.arm();
      options.scrubber.add(release, spec.name);
      return {
        ...base,
        value: endpoint.url,
        vars: azureEndpointVars(endpoint, spec.ref.clientId),
        secrets: first === undefined ? [endpoint.header, release] : [endpoint.header, release, first.token],
        close: { url: endpoint.url, authorization: release },
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
