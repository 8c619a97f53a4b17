import type { FetchContext } from '../../contract/backend.js';
import { BrokerError, isBrokerError } from '../../errors.js';
import { type GcpWifConfig, mintGcpAccessToken } from '../../login/gcp-wif.js';
import { MintCache } from '../../login/mint-cache.js';
import type { SecretValue } from '../../scrub/secret-value.js';
import { authLibraryOf, type GcpSdk } from './client.js';
import type { GcpSmSettings } from './settings.js';

/** @internal Where the access tokens of a backend instance come from. */
export interface AccessTokens {
  /** The token for the next call: cached, minted when missing or aged. */
  token(): Promise<string>;
  /** The server refused the token: drop it. True when the next `token()` mints a new one (worth one more try). */
  invalidate(): boolean;
  /** How many tokens were minted (tests count exchanges). */
  readonly mints: number;
}

/** @internal Options that tests turn. */
export interface AccessTokensOptions {
  readonly now?: () => number;
  /** A mint that has not finished by then fails (a hung STS must not hold every later fetch). @default 30 s */
  readonly mintTimeoutMs?: number;
}

const MINT_TIMEOUT_MS = 30_000;
const ADC_PROJECT_PLACEHOLDER = 'project-named-by-each-ref';

/**
 * @internal Access tokens per `settings.auth`: workload identity federation minted by us and cached in a
 * MintCache (one exchange per run until the token ages), or Application Default Credentials, which
 * google-auth-library finds and caches itself.
 */
export function createAccessTokens(
  sdk: GcpSdk,
  auth: GcpSmSettings['auth'],
  ctx: Pick<FetchContext, 'env' | 'baseDir' | 'log' | 'audit'>,
  options: AccessTokensOptions = {}
): AccessTokens {
  const library = authLibraryOf(sdk);
  if (auth === undefined || auth.method === 'default') {
    const google = new library.GoogleAuth({
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      universeDomain: 'googleapis.com',
      // Refs name their project. Given none, the library looks one up over the network (Cloud Resource Manager,
      // the metadata server): requests to hosts the manifest does not show.
      projectId: ADC_PROJECT_PLACEHOLDER,
    });
    return {
      async token() {
        try {
          const token = await google.getAccessToken();
          if (typeof token === 'string' && token !== '') {
            return token;
          }
        } catch (error) {
          throw noDefaultCredentials(error);
        }
        throw noDefaultCredentials(undefined);
      },
      // The library caches and refreshes ADC tokens itself; it mints nothing the broker could count or drop.
      invalidate: () => false,
      mints: 0,
    };
  }
  const config: GcpWifConfig = {
    audience: auth.audience,
    token: auth.token,
    ...(auth.serviceAccount === undefined ? {} : { serviceAccount: auth.serviceAccount }),
    ...(auth.tokenUrl === undefined ? {} : { tokenUrl: auth.tokenUrl }),
    ...(auth.impersonationUrl === undefined ? {} : { impersonationUrl: auth.impersonationUrl }),
  };
  const cache = new MintCache<SecretValue>({
    ...(options.now === undefined ? {} : { now: options.now }),
    mintTimeoutMs: options.mintTimeoutMs ?? MINT_TIMEOUT_MS,
    backend: 'gcp-sm',
    timeoutHint: 'Check that the STS (auth.tokenUrl) and the token source answer',
    onMint: (identity, expiresAt) => ctx.audit?.minted({ backend: 'gcp-sm', identity, expiresAt }),
  });
  const key = `${auth.audience} as ${auth.serviceAccount ?? 'federated principal'}`;
  const mint = async (signal: AbortSignal) => {
    const minted = await mintGcpAccessToken(library, config, { env: ctx.env, baseDir: ctx.baseDir, signal });
    ctx.log.debug(
      `gcp-sm: minted an access token for ${key}${minted.expiresAt === undefined ? '' : `, valid until ${minted.expiresAt.toISOString()}`}`
    );
    return minted;
  };
  return {
    token: async () => (await cache.get(key, mint)).reveal(),
    invalidate: () => {
      cache.invalidate(key);
      return true;
    },
    get mints() {
      return cache.mints;
    },
  };
}

function noDefaultCredentials(error: unknown): BrokerError {
  if (isBrokerError(error)) {
    return error;
  }
  return new BrokerError('NO_IDENTITY', 'Application Default Credentials gave no access token', {
    backend: 'gcp-sm',
    operation: 'mint access token',
    hint: 'Set GOOGLE_APPLICATION_CREDENTIALS, run `gcloud auth application-default login`, or configure auth: { method: "workload-identity", … }',
    // Only the error's class: a failed refresh carries its request, which may hold a key or a token.
    ...(error === undefined
      ? {}
      : { cause: new Error(`${(error as Error)?.name ?? 'Error'} from google-auth-library`) }),
  });
}
