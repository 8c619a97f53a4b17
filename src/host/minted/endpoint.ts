/**
 * A per-test loopback credentials endpoint in the main process (the protocol of AWS container credentials: GET with
 * `Authorization: <token>`, JSON answer), so an unmodified SDK's default chain fetches the minted credential and
 * fetches again as it ages. It answers only the holder of its random token, and stops answering for good when the
 * test releases it (a DELETE with the same token) or the run ends.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { isBrokerError } from '../../errors.js';
import { listenLoopback, sameSecret } from './loopback.js';

/** @public One test's endpoint. */
export interface CredentialsEndpoint {
  /** `http://127.0.0.1:<port>/credentials`. */
  readonly url: string;
  /** The value of the `Authorization` header the endpoint expects (a secret: scrub it). */
  readonly token: string;
  /** Stop answering and free the port. Idempotent. */
  close(): Promise<void>;
  readonly closed: Promise<void>;
}

/** @public What the endpoint serves: a fresh JSON body per request (the cache decides whether that means a mint). */
export type CredentialsBody = () => Promise<Record<string, string>>;

/**
 * @public Listen on 127.0.0.1, a fresh port and token per call. Without `body` the endpoint only takes the release
 * (a Vault child token's end); `onClose` runs once when it closes (revocation).
 */
export async function openCredentialsEndpoint(
  body: CredentialsBody | undefined,
  onClose?: () => Promise<void>
): Promise<CredentialsEndpoint> {
  const token = randomBytes(32).toString('base64url');
  const server = await listenLoopback({
    async handle(request, response, server) {
      if (server.closing || !sameSecret(request.headers.authorization, token)) {
        return send(response, 403, { message: 'this credentials endpoint belongs to another test' });
      }
      if (request.method === 'DELETE') {
        send(response, 204);
        await server.close();
        return;
      }
      if (request.method !== 'GET' || body === undefined) {
        return send(response, 405, { message: 'GET the credentials' });
      }
      try {
        send(response, 200, await body());
      } catch (error) {
        // Our own words only: the cause may quote the identity provider's answer.
        const message = isBrokerError(error) ? `minting failed (${error.code})` : 'minting failed';
        send(response, 500, { message });
      }
    },
    fail: (response) => response.destroy(),
    ...(onClose === undefined ? {} : { onClose }),
  });
  return {
    url: `http://127.0.0.1:${server.port}/credentials`,
    token,
    close: () => server.close(),
    closed: server.closed,
  };
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
