import type { Backend, FetchContext, SecretDocument } from '../../contract/backend.js';
import { BrokerError } from '../../errors.js';
import { formatRef } from '../../ref/index.js';
import type { GcpSmRef } from '../../ref/types.js';
import { SecretValue } from '../../scrub/secret-value.js';
import { readCaFile } from '../../sdk/ca-file.js';
import { untilAborted } from '../../sdk/until-aborted.js';
import { type AccessTokens, type AccessTokensOptions, createAccessTokens } from './auth.js';
import { type AccessedVersion, createGcpSmClient, type GcpSdkLoader, type GcpSmClient, loadGcpSdk } from './client.js';
import { crc32c } from './crc32c.js';
import { accessError, isUnauthenticated } from './errors.js';
import type { GcpSmSettings } from './settings.js';

/** @internal Seams for tests: the SDK loader (a missing SDK), the clock and mint deadline (token ageing). */
export interface GcpSmBackendDeps extends AccessTokensOptions {
  readonly loadSdk?: GcpSdkLoader;
}

/** @public A gcp-sm backend, with the count of access tokens it minted. */
export interface GcpSmBackend extends Backend<'gcp-sm'> {
  /** Access tokens minted so far (workload identity: STS exchanges). */
  readonly mints: number;
}

interface Connection {
  readonly client: GcpSmClient;
  readonly tokens: AccessTokens;
}

const DEFAULT_ENDPOINT = 'https://secretmanager.googleapis.com';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * @public `gcp-sm://project/secret[?version=N]`: AccessSecretVersion through the official gRPC client, with access
 * tokens minted by workload identity federation (or Application Default Credentials), the payload's CRC-32C checked
 * (the client does not), and the resolved version number reported.
 */
export function createGcpSmBackend(settings: GcpSmSettings = {}, deps: GcpSmBackendDeps = {}): GcpSmBackend {
  let connection: Promise<Connection> | undefined;
  let current: Connection | undefined;
  const endpoint = settings.endpoint ?? DEFAULT_ENDPOINT;
  const connect = (ctx: FetchContext): Promise<Connection> => {
    connection ??= open(settings, deps, ctx).then(
      (opened) => {
        current = opened;
        return opened;
      },
      (error: unknown) => {
        connection = undefined;
        throw error;
      }
    );
    return connection;
  };
  return {
    scheme: 'gcp-sm',
    get mints() {
      return current?.tokens.mints ?? 0;
    },
    async fetch(ref, ctx) {
      const display = formatRef(ref);
      const { client, tokens } = await untilAborted(connect(ctx), ctx.signal, () => cancelled(display));
      const name = `projects/${ref.project}/secrets/${ref.secret}/versions/${ref.version}`;
      for (let attempt = 1; ; attempt += 1) {
        // Minting first surfaces its errors as ours; the call's metadata generator then finds the token cached.
        await untilAborted(tokens.token(), ctx.signal, () => cancelled(display));
        let accessed: AccessedVersion;
        try {
          accessed = await client.access(name, ctx.signal);
        } catch (error) {
          if (attempt === 1 && isUnauthenticated(error) && !ctx.signal.aborted && tokens.invalidate()) {
            continue;
          }
          throw accessError(error, display, endpoint, ctx.signal, attempt > 1);
        }
        return toDocument(accessed, ref, display);
      }
    },
    async close() {
      const open = connection;
      connection = undefined;
      // Google access tokens from the STS cannot be revoked; they expire on their own within the hour.
      await (await open?.catch(() => undefined))?.client.close();
    },
  };
}

async function open(settings: GcpSmSettings, deps: GcpSmBackendDeps, ctx: FetchContext): Promise<Connection> {
  const sdk = await (deps.loadSdk ?? loadGcpSdk)();
  const ca =
    settings.caFile === undefined
      ? undefined
      : Buffer.from(await readCaFile(settings.caFile, ctx, { backend: 'gcp-sm', operation: 'connect' }));
  const tokens = createAccessTokens(sdk, settings.auth, ctx, deps);
  const client = createGcpSmClient(sdk, { endpoint: settings.endpoint, ca, accessToken: () => tokens.token() });
  return { client, tokens };
}

function toDocument(accessed: AccessedVersion, ref: GcpSmRef, display: string): SecretDocument {
  const meta = { backend: 'gcp-sm', operation: 'access', ref: display } as const;
  if (accessed.crc32c !== undefined && accessed.crc32c !== String(crc32c(accessed.data))) {
    throw new BrokerError('INTEGRITY', 'the payload does not match the CRC-32C checksum sent with it', {
      ...meta,
      hint: 'The data was altered between Secret Manager and here (a proxy, or a fake); nothing was used',
    });
  }
  let text: string;
  try {
    text = utf8.decode(accessed.data);
  } catch {
    throw new BrokerError('UNSUPPORTED', 'the payload is not UTF-8 text', {
      ...meta,
      hint: 'Store binary secrets base64-encoded',
    });
  }
  const version =
    /\/versions\/([0-9]+)$/.exec(accessed.name)?.[1] ?? (ref.version === 'latest' ? undefined : ref.version);
  return { text: new SecretValue(text, display), ...(version === undefined ? {} : { version }) };
}

function cancelled(ref: string): BrokerError {
  return new BrokerError('TIMEOUT', 'the fetch was cancelled before an access token was minted', {
    backend: 'gcp-sm',
    operation: 'access',
    ref,
    hint: 'Raise resolve.timeoutMs, or check that the STS and the token source answer',
    transient: true,
  });
}
