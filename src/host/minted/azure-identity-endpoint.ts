/**
 * A per-test loopback Azure managed-identity endpoint in the main process, in the App Service protocol that
 * `ManagedIdentityCredential` (through MSAL's AppService source) speaks when IDENTITY_ENDPOINT and IDENTITY_HEADER are
 * set: `GET <IDENTITY_ENDPOINT>?resource=<uri>&api-version=2019-08-01[&client_id=<guid>]` with header
 * `X-IDENTITY-HEADER: <IDENTITY_HEADER>`, answered with `{ access_token, expires_on, resource, token_type, client_id }`
 * (`expires_on` in epoch seconds, as a string). It answers only the holder of its random header, only for its one
 * application, and only while a test holds it: each test that is granted the credential arms it with its own release
 * token, and the endpoint refuses again once every holder has released it (a DELETE with that token as
 * `authorization`), and for good when the run ends.
 *
 * Why one endpoint per worker and not one per test: MSAL keeps the managed-identity source it first built — with
 * that IDENTITY_ENDPOINT and IDENTITY_HEADER — in a static for the life of the process
 * (`ManagedIdentityClient.identitySource` in @azure/msal-node), so a second test in the same worker would keep calling
 * the first test's endpoint. The host keeps the URL and header of a worker's endpoint stable and arms it per test.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { isBrokerError } from '../../errors.js';
import { listenLoopback, sameSecret } from './loopback.js';

/** @public The api-version of the App Service managed-identity protocol MSAL sends. */
export const APP_SERVICE_API_VERSION = '2019-08-01';

/** @public A token for one resource, as the endpoint serves it. */
export interface IdentityToken {
  readonly accessToken: string;
  /** The expiry the SDK is told (it refreshes two minutes before). */
  readonly expiresOn: Date;
}

/** @public Options of {@link openAzureIdentityEndpoint}. */
export interface AzureIdentityEndpointOptions {
  /** The application the endpoint speaks for: a `client_id` naming another one is refused. */
  readonly clientId: string;
  /** The one resource it serves (the scope without `/.default`); undefined: whatever resource is asked. */
  readonly resource?: string;
  /** A token for `scope` (`<resource>/.default`), from the cache. */
  readonly token: (scope: string) => Promise<IdentityToken>;
}

/** @public One worker's endpoint for one credential. */
export interface AzureIdentityEndpoint {
  /** `http://127.0.0.1:<port>/msi/token`: IDENTITY_ENDPOINT. */
  readonly url: string;
  /** IDENTITY_HEADER (a secret: scrub it). */
  readonly header: string;
  /** Answer while this hold lasts; returns the hold's release token (a secret), the `authorization` of its DELETE. */
  arm(): string;
  /** Holds not yet released. */
  readonly holders: number;
  /** Stop answering and free the port. Idempotent. */
  close(): Promise<void>;
  readonly closed: Promise<void>;
}

/** @public Listen on 127.0.0.1, a fresh port and header per call. */
export async function openAzureIdentityEndpoint(options: AzureIdentityEndpointOptions): Promise<AzureIdentityEndpoint> {
  const header = randomBytes(32).toString('base64url');
  const armed = new Set<string>();
  const server = await listenLoopback({
    async handle(request, response, server) {
      if (request.method === 'DELETE') {
        const release = [...armed].find((token) => sameSecret(request.headers.authorization, token));
        if (server.closing || release === undefined) {
          return send(response, 403, { error: 'forbidden', message: 'this identity endpoint belongs to another test' });
        }
        armed.delete(release);
        send(response, 204);
        return;
      }
      if (server.closing || !sameSecret(request.headers['x-identity-header'], header)) {
        return send(response, 403, { error: 'forbidden', message: 'this identity endpoint belongs to another test' });
      }
      if (armed.size === 0) {
        return send(response, 403, { error: 'forbidden', message: 'no test holds this credential now' });
      }
      if (request.method !== 'GET') {
        return send(response, 405, { error: 'invalid_request', message: 'GET the token' });
      }
      const query = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams;
      const refusal = refuse(query, options);
      if (refusal !== undefined) {
        return send(response, 400, { error: 'invalid_request', message: refusal });
      }
      const resource = query.get('resource') ?? '';
      try {
        const token = await options.token(`${resource.replace(/\/+$/, '')}/.default`);
        send(response, 200, {
          access_token: token.accessToken,
          // Rounded up: a short test token must not look expired already to the SDK.
          expires_on: String(Math.ceil(token.expiresOn.getTime() / 1000)),
          resource,
          token_type: 'Bearer',
          client_id: options.clientId,
        });
      } catch (error) {
        // Our own words only: the cause may quote Entra's answer.
        const message = isBrokerError(error) ? `minting failed (${error.code})` : 'minting failed';
        send(response, 500, { error: 'server_error', message });
      }
    },
    fail: (response) => response.destroy(),
  });
  return {
    url: `http://127.0.0.1:${server.port}/msi/token`,
    header,
    arm() {
      const release = randomBytes(32).toString('base64url');
      armed.add(release);
      return release;
    },
    get holders() {
      return armed.size;
    },
    close: () => server.close(),
    closed: server.closed,
  };
}

/** Why a token request is refused (in our words; never echoing a value), or undefined. */
function refuse(query: URLSearchParams, options: AzureIdentityEndpointOptions): string | undefined {
  if (query.get('api-version') !== APP_SERVICE_API_VERSION) {
    return `api-version must be ${APP_SERVICE_API_VERSION}`;
  }
  const resource = query.get('resource');
  if (resource === null || resource === '') {
    return 'resource is required';
  }
  if (options.resource !== undefined && trim(resource) !== trim(options.resource)) {
    return `this endpoint serves tokens for ${options.resource} only (the credential's scope)`;
  }
  if (query.has('mi_res_id') || query.has('principal_id') || query.has('object_id')) {
    return `this endpoint serves application ${options.clientId}: ask by client_id or for the system identity`;
  }
  const clientId = query.get('client_id');
  if (clientId !== null && clientId.toLowerCase() !== options.clientId) {
    return `this endpoint serves application ${options.clientId} only`;
  }
  return undefined;
}

function trim(resource: string): string {
  return resource.replace(/\/+$/, '').toLowerCase();
}

function send(response: ServerResponse, status: number, body?: Record<string, string>): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}
