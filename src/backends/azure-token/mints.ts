/**
 * `azure-token:<client-id>` access tokens for tests: one cached Entra credential per application (client id), whose
 * tokens are kept per scope, so every test that declares the same (identity, client id, scope) shares one mint until
 * it ages (single flight; re-minted five minutes before expiry, or at half its lifetime when that is shorter — before
 * the Azure SDK's own two-minute refresh window, so an SDK never refetches on every call).
 */
import type { Agent } from 'node:https';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type * as Identity from '@azure/identity';
import type { FetchContext } from '../../contract/backend.js';
import { BrokerError, isBrokerError } from '../../errors.js';
import { AzureMintFailure, type CachedAzureCredential } from '../../login/azure-token-cache.js';
import {
  AZURE_AUTHORITY_HOSTS,
  type AzureWorkloadIdentity,
  azureWorkloadIdentity,
  createAzureWorkloadIdentityCredential,
} from '../../login/azure-wi.js';
import type { AzureTokenRef } from '../../ref/types.js';
import { readCaFile } from '../../sdk/ca-file.js';
import { importPeer } from '../../sdk/import-peer.js';
import type { AzureTokenSettings } from './settings.js';

const BACKEND = 'azure-token';

/** @public A minted access token. */
export interface AzureMintedToken {
  readonly token: string;
  /** When Entra says it expires. */
  readonly expiresAt: Date;
  /** When the cache stops handing it out and mints anew (five minutes before expiry, or at half its lifetime). */
  readonly refreshAt: Date;
}

const ONE_MINUTE = 60_000;

/**
 * @public The expiry to tell an SDK: a minute before the real one, so it never holds a token into its last minute,
 * but never before the cache's refresh point (short test lifetimes), so the SDK does not ask for a token the cache
 * would hand out again unchanged. The SDK refreshes two minutes before this; the cache re-mints five minutes before
 * the real expiry: the token the SDK gets then is a new one.
 */
export function expiryForSdk(minted: AzureMintedToken): Date {
  return new Date(Math.max(minted.refreshAt.getTime(), minted.expiresAt.getTime() - ONE_MINUTE));
}

/** @public What a mint runs with. */
export type AzureTokenMintContext = Pick<FetchContext, 'env' | 'baseDir'>;

/** @public The Entra credentials of one run, one per application. */
export interface AzureTokenMints {
  /** A token of `ref`'s application for `scope` (e.g. `https://vault.azure.net/.default`). Throws BrokerError. */
  token(ref: AzureTokenRef, scope: string, ctx: AzureTokenMintContext): Promise<AzureMintedToken>;
  /** Entra token requests started so far, over every application and scope. */
  readonly mints: number;
  /** Told of each mint: the application, the scope, the expiry (the audit record). Never the token. */
  onMint?: (clientId: string, scope: string, expiresAt: Date | undefined) => void;
  close(): void;
}

/** @public The identity's Entra host: the settings', else AZURE_AUTHORITY_HOST, else the cloud's. */
export function azureTokenIdentity(
  settings: AzureTokenSettings,
  clientId: string,
  env: Readonly<Record<string, string | undefined>>
): AzureWorkloadIdentity {
  const identity = azureWorkloadIdentity(
    {
      method: 'workload-identity',
      tenantId: settings.tenantId,
      clientId,
      token: settings.token,
      authorityHost: settings.authorityHost,
    },
    env,
    AZURE_AUTHORITY_HOSTS[settings.cloud ?? 'public']
  );
  if (identity === undefined) {
    throw new Error('unreachable: a workload identity is always defined from settings');
  }
  return identity;
}

/** @public */
export function createAzureTokenMints(
  settings: AzureTokenSettings | undefined,
  env: Readonly<Record<string, string | undefined>>,
  now?: () => number
): AzureTokenMints {
  const credentials = new Map<string, CachedAzureCredential>();
  const closing = new AbortController();
  let sdk: Promise<{ identity: typeof Identity; policies: PipelinePolicy[]; agent?: Agent }> | undefined;

  const load = (baseDir: string) => {
    sdk ??= (async () => {
      const identity = await importPeer((): Promise<typeof Identity> => import('@azure/identity'), {
        name: '@azure/identity',
        backend: BACKEND,
        use: 'azure-token: references',
      });
      if (settings?.caFile === undefined) {
        return { identity, policies: [] };
      }
      const pem = await readCaFile(settings.caFile, { baseDir }, { backend: BACKEND, operation: 'configure TLS' });
      // Loaded here, not with the module: the session imports this module for every run, and node:https with
      // node:tls cost its start ~8 ms when no azure-token: credential mints anything.
      const [{ Agent }, { rootCertificates }] = await Promise.all([import('node:https'), import('node:tls')]);
      // Added to the public roots, not instead of them: Entra ID may still be the public one.
      const agent = new Agent({ ca: [...rootCertificates, pem], keepAlive: true });
      return { identity, policies: [agentPolicy(agent)], agent };
    })();
    sdk.catch(() => {
      sdk = undefined;
    });
    return sdk;
  };

  const mints: AzureTokenMints = {
    async token(ref, scope, ctx) {
      const name = `azure-token:${ref.clientId}`;
      if (settings === undefined) {
        throw new BrokerError('CONFIG_INVALID', `no identity to mint a token of ${ref.clientId} with`, {
          backend: BACKEND,
          operation: 'mint',
          ref: name,
          hint: "Define it once in the config: backends: { 'azure-token': { tenantId, token: 'github' } } (or { file } / { env })",
        });
      }
      const { identity: identitySdk, policies } = await load(ctx.baseDir);
      let credential = credentials.get(ref.clientId);
      if (credential === undefined) {
        const identity = azureTokenIdentity(settings, ref.clientId, env);
        credential = createAzureWorkloadIdentityCredential({
          identity,
          ctx,
          backend: BACKEND,
          signal: closing.signal,
          ...(now === undefined ? {} : { now }),
          onMint: (scopes, expiresAt) => mints.onMint?.(ref.clientId, scopes, expiresAt),
          newCredential: (id, getAssertion) =>
            new identitySdk.ClientAssertionCredential(id.tenantId, id.clientId, getAssertion, {
              authorityHost: id.authorityHost,
              // MSAL would otherwise ask login.microsoftonline.com where the authority is, whatever authorityHost says.
              disableInstanceDiscovery: true,
              retryOptions: { maxRetries: 0 },
              additionalPolicies: policies.map((policy) => ({ position: 'perCall' as const, policy })),
            }),
        });
        credentials.set(ref.clientId, credential);
      }
      try {
        const token = await credential.getToken(scope);
        if (token === null) {
          throw new AzureMintFailure('MINT_FAILED', 'Entra ID answered without a token', 'Retry later', true);
        }
        return {
          token: token.token,
          expiresAt: new Date(token.mintedExpiresOnTimestamp ?? token.expiresOnTimestamp),
          refreshAt: new Date(token.expiresOnTimestamp),
        };
      } catch (error) {
        throw mintError(error, name);
      }
    },
    get mints() {
      return [...credentials.values()].reduce((sum, c) => sum + c.mints, 0);
    },
    close() {
      closing.abort();
      for (const credential of credentials.values()) {
        credential.invalidate();
      }
      credentials.clear();
      void sdk?.then((s) => s.agent?.destroy()).catch(() => {});
    },
  };
  return mints;
}

function mintError(error: unknown, ref: string): unknown {
  if (error instanceof AzureMintFailure) {
    // Our reason and hint only: Entra's text can echo ids and more.
    return new BrokerError(error.code, error.reason, {
      backend: BACKEND,
      ref,
      operation: 'mint Entra token',
      hint: error.hint,
      transient: error.transient,
    });
  }
  if (isBrokerError(error)) {
    return error;
  }
  return new BrokerError('MINT_FAILED', 'the Entra token request failed', {
    backend: BACKEND,
    ref,
    operation: 'mint Entra token',
    hint: 'Check backends["azure-token"] (tenantId, token, authorityHost) and that Entra ID is reachable',
  });
}

function agentPolicy(agent: Agent): PipelinePolicy {
  return {
    name: 'credentialBrokerCaFile',
    sendRequest(request, next) {
      if (request.url.startsWith('https:')) {
        request.agent = agent;
      }
      return next(request);
    },
  };
}
