import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as SecretManager from '@google-cloud/secret-manager';
import type * as Gax from 'google-gax';
import { BrokerError } from '../../errors.js';
import type { GcpAuthLibrary } from '../../login/gcp-wif.js';
import { importPeer } from '../../sdk/import-peer.js';

/** @internal The packages this backend drives, loaded together at the first fetch. */
export interface GcpSdk {
  readonly SecretManagerServiceClient: typeof SecretManager.SecretManagerServiceClient;
  /** The google-gax instance the client uses, with its own @grpc/grpc-js and google-auth-library. */
  readonly gax: typeof Gax;
}

/** @internal Loads the SDK; injectable so tests can take it away. */
export type GcpSdkLoader = () => Promise<GcpSdk>;

const PACKAGE = '@google-cloud/secret-manager';
const DEFAULT_HOST = 'secretmanager.googleapis.com';

/**
 * @internal Loads `@google-cloud/secret-manager` as resolved from `resolveFrom`, and the google-gax *it* depends on:
 * channel credentials must come from the very grpc-js instance gax builds its stubs with (grpc-js checks
 * `instanceof`), and gax re-exports it and google-auth-library.
 */
export async function loadGcpSdk(resolveFrom: string = moduleFile()): Promise<GcpSdk> {
  const require = createRequire(resolveFrom);
  const path = await importPeer(async () => require.resolve(PACKAGE), { name: PACKAGE, backend: 'gcp-sm' });
  const module = (await import(pathToFileURL(path).href)) as typeof SecretManager & { default?: typeof SecretManager };
  const gax = createRequire(path)('google-gax') as typeof Gax;
  return {
    SecretManagerServiceClient: module.SecretManagerServiceClient ?? module.default?.SecretManagerServiceClient,
    gax,
  };
}

/** @internal google-auth-library as shipped inside gax: the copy the SDK was tested with. */
export function authLibraryOf(sdk: GcpSdk): GcpAuthLibrary & Pick<typeof Gax.googleAuthLibrary, 'GoogleAuth'> {
  return sdk.gax.googleAuthLibrary as unknown as GcpAuthLibrary & Pick<typeof Gax.googleAuthLibrary, 'GoogleAuth'>;
}

/** @internal What an AccessSecretVersion call returns, before any checking. */
export interface AccessedVersion {
  /** The canonical version name (`projects/<number>/secrets/<id>/versions/<n>`). */
  readonly name: string;
  readonly data: Uint8Array;
  /** `payload.data_crc32c` as the decimal string gax gives for an int64, when sent. */
  readonly crc32c: string | undefined;
}

/** @internal A Secret Manager client bound to one endpoint and one source of access tokens. */
export interface GcpSmClient {
  access(name: string, signal: AbortSignal): Promise<AccessedVersion>;
  close(): Promise<void>;
}

/** @internal */
export interface GcpSmClientOptions {
  /** `https://host[:port]`. @default https://secretmanager.googleapis.com */
  readonly endpoint: string | undefined;
  /** PEM roots to trust instead of the public ones. */
  readonly ca: Buffer | undefined;
  /** The bearer token for the next call (cached by the caller). */
  readonly accessToken: () => Promise<string>;
}

/**
 * @internal Builds the official client over TLS with call credentials from `accessToken` — a metadata generator,
 * because `createFromGoogleCredential` with google-auth-library 10 silently sends no token — and the universe
 * domain given, so gax never probes the GCE metadata server.
 */
export function createGcpSmClient(sdk: GcpSdk, options: GcpSmClientOptions): GcpSmClient {
  const { grpc } = sdk.gax;
  const { host, port } = parseEndpoint(options.endpoint);
  const callCredentials = grpc.credentials.createFromMetadataGenerator((_params, callback) => {
    options.accessToken().then(
      (token) => {
        const metadata = new grpc.Metadata();
        metadata.set('authorization', `Bearer ${token}`);
        callback(null, metadata);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error('no access token'))
    );
  });
  const client = new sdk.SecretManagerServiceClient(
    {
      apiEndpoint: host,
      port,
      sslCreds: grpc.credentials.combineChannelCredentials(
        grpc.credentials.createSsl(options.ca ?? null),
        callCredentials
      ),
      universeDomain: 'googleapis.com',
      fallback: false,
    },
    sdk.gax
  );
  return {
    async access(name, signal) {
      await client.initialize();
      // The public method drops the cancellable promise; the inner call keeps `cancel()`, so it needs the routing
      // header the public method would add.
      const call = client.innerApiCalls['accessSecretVersion']!(
        { name },
        {
          // gax retries UNAVAILABLE for up to 10 minutes; the resolver's own retries and timeout govern instead.
          retry: { retryCodes: [] },
          otherArgs: { headers: { 'x-goog-request-params': sdk.gax.routingHeader.fromParams({ name }) } },
        }
      ) as Promise<[{ name?: string | null; payload?: { data?: Uint8Array | null; dataCrc32c?: unknown } | null }]> & {
        cancel(): void;
      };
      const cancel = () => call.cancel();
      signal.addEventListener('abort', cancel, { once: true });
      try {
        const [response] = await call;
        const crc = response.payload?.dataCrc32c;
        return {
          name: response.name ?? '',
          data: response.payload?.data ?? new Uint8Array(),
          crc32c: crc === undefined || crc === null ? undefined : String(crc),
        };
      } finally {
        signal.removeEventListener('abort', cancel);
      }
    },
    close: () => client.close(),
  };
}

function parseEndpoint(endpoint: string | undefined): { host: string; port: number } {
  if (endpoint === undefined) {
    return { host: DEFAULT_HOST, port: 443 };
  }
  const url = new URL(endpoint);
  if (url.protocol !== 'https:') {
    throw new BrokerError('CONFIG_INVALID', `endpoint ${url.origin} is not https`, {
      backend: 'gcp-sm',
      operation: 'connect',
      hint: 'gRPC sends access tokens only over TLS; use an https:// endpoint (caFile for a private CA)',
    });
  }
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? 443 : Number(url.port) };
}

// This module's own file, in the ESM build and in the CJS one (where `import.meta` is empty).
function moduleFile(): string {
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}
