/**
 * A per-test loopback GCE metadata server in the main process: the part of the protocol google-auth-library's
 * `Compute` client and gcp-metadata speak (gcp-metadata 8: `GET /computeMetadata/v1/<key>` with the request header
 * `Metadata-Flavor: Google`, answers that must carry the same header), so an unmodified library's default chain gets
 * the minted access token and fetches again as it ages.
 *
 * The metadata protocol has no authorization token (unlike AWS container credentials): any process that learns the
 * port may read the token while the test runs. What bounds that is the loopback address, a fresh port per test, and
 * the close when the test ends (a DELETE carrying a release token only the worker holds) or the run ends.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { isBrokerError } from '../../errors.js';
import { listenLoopback, sameSecret } from './loopback.js';

/** @public What the metadata server hands out: a fresh answer per token request (the cache decides on a mint). */
export interface MetadataToken {
  readonly accessToken: string;
  readonly expiresAt: Date;
}

/** @public Options of {@link openMetadataEndpoint}. */
export interface MetadataEndpointOptions {
  /** The service account whose token is served (as `default` and by its email). */
  readonly serviceAccount: string;
  readonly scopes: readonly string[];
  readonly token: () => Promise<MetadataToken>;
}

/** @public One test's metadata server. */
export interface MetadataEndpoint {
  /** `127.0.0.1:<port>`, the form of `GCE_METADATA_HOST`. */
  readonly host: string;
  /** `http://127.0.0.1:<port>/`: DELETE here with `release` to close it. */
  readonly url: string;
  /** The `Authorization` value of the release (a secret the worker holds, never the test's environment). */
  readonly release: string;
  close(): Promise<void>;
  readonly closed: Promise<void>;
}

const FLAVOR = 'Metadata-Flavor';
const GOOGLE = 'Google';
const BASE = '/computeMetadata/v1/';

/** @public Listen on 127.0.0.1, a fresh port and release token per call. */
export async function openMetadataEndpoint(options: MetadataEndpointOptions): Promise<MetadataEndpoint> {
  const release = randomBytes(32).toString('base64url');
  const server = await listenLoopback({
    async handle(request, response, server) {
      if (server.closing) {
        return send(response, 503, 'this metadata endpoint is closed');
      }
      if (request.method === 'DELETE') {
        if (!sameSecret(request.headers.authorization, release)) {
          return send(response, 403, 'only the worker holding this endpoint may release it');
        }
        send(response, 204);
        await server.close();
        return;
      }
      // As the real server: a request without the header, or one relayed by a proxy, is refused.
      if (request.headers['metadata-flavor'] !== GOOGLE || request.headers['x-forwarded-for'] !== undefined) {
        return send(response, 403, 'Missing Metadata-Flavor:Google header.');
      }
      if (request.method !== 'GET') {
        return send(response, 405, 'GET metadata');
      }
      const path = new URL(request.url ?? '/', 'http://metadata').pathname;
      const answer = await route(path, options);
      if (answer === undefined) {
        return send(response, 404, 'Not Found');
      }
      if (typeof answer === 'string') {
        return send(response, 200, answer);
      }
      send(response, 200, JSON.stringify(answer), 'application/json');
    },
    // Our own words only: the cause may quote the identity provider's answer.
    fail: (response, error) =>
      send(response, 500, isBrokerError(error) ? `minting failed (${error.code})` : 'minting failed'),
  });
  const { port } = server;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/`,
    release,
    close: () => server.close(),
    closed: server.closed,
  };
}

type Answer = string | Record<string, unknown> | undefined;

async function route(path: string, options: MetadataEndpointOptions): Promise<Answer> {
  // Detection pings (`GET /`, `GET /computeMetadata/v1/instance`) and directory listings.
  if (path === '/' || path === '/computeMetadata/' || path === '/computeMetadata') {
    return 'computeMetadata/\n';
  }
  if (!path.startsWith(BASE)) {
    return undefined;
  }
  const key = path.slice(BASE.length).replace(/\/+$/, '');
  if (key === '') {
    return 'instance/\nproject/\nuniverse/\n';
  }
  if (key === 'instance') {
    return 'service-accounts/\n';
  }
  if (key === 'instance/service-accounts') {
    return `default/\n${options.serviceAccount}/\n`;
  }
  if (key === 'universe/universe-domain') {
    return 'googleapis.com';
  }
  if (key === 'project/project-id') {
    return projectOf(options.serviceAccount);
  }
  const account = /^instance\/service-accounts\/([^/]+)(?:\/([a-z-]+))?$/.exec(key);
  if (account === null) {
    return undefined;
  }
  const [, who, what] = account;
  if (who !== 'default' && who !== options.serviceAccount) {
    return undefined;
  }
  switch (what) {
    case undefined:
      return 'aliases\nemail\nscopes\ntoken\n';
    case 'email':
      return options.serviceAccount;
    case 'aliases':
      return 'default\n';
    case 'scopes':
      return `${options.scopes.join('\n')}\n`;
    case 'token': {
      const minted = await options.token();
      const seconds = Math.max(0, Math.floor((minted.expiresAt.getTime() - Date.now()) / 1000));
      return { access_token: minted.accessToken, expires_in: seconds, token_type: 'Bearer' };
    }
    default:
      // `identity` (ID tokens) and the rest: not minted by the broker.
      return undefined;
  }
}

/** `<name>@<project>.iam.gserviceaccount.com` belongs to `<project>`; the Google-managed forms name none we can trust. */
function projectOf(serviceAccount: string): string | undefined {
  return /^[^@]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(serviceAccount)?.[1];
}

function send(response: ServerResponse, status: number, text = '', type = 'text/plain; charset=utf-8'): void {
  response.writeHead(status, {
    [FLAVOR]: GOOGLE,
    'content-type': type,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}
