/**
 * AWS credentials minted with STS AssumeRoleWithWebIdentity from an OIDC token (DESIGN §1), cached in a
 * {@link MintCache} and re-minted as they age. The STS client comes from an injected loader, so this module never
 * imports the SDK itself (G10).
 */
import type * as Sts from '@aws-sdk/client-sts';
import type { FetchContext } from '../contract/backend.js';
import { BrokerError, type BrokerErrorCode } from '../errors.js';
import { SecretValue } from '../scrub/secret-value.js';
import { opaqueCause } from '../sdk/opaque-cause.js';
import { MintCache } from './mint-cache.js';
import { describeTokenSource, readOidcToken, type TokenSource } from './token-source.js';

/** @public Env vars of the SDK's own web-identity provider; EKS IRSA sets exactly these. */
export const ENV_AWS_ROLE_ARN = 'AWS_ROLE_ARN';
/** @public See {@link ENV_AWS_ROLE_ARN}. */
export const ENV_AWS_WEB_IDENTITY_TOKEN_FILE = 'AWS_WEB_IDENTITY_TOKEN_FILE';
/** @public See {@link ENV_AWS_ROLE_ARN}. */
export const ENV_AWS_ROLE_SESSION_NAME = 'AWS_ROLE_SESSION_NAME';

/** @public The audience AWS expects in web identity tokens unless the IAM OIDC provider lists another. */
export const AWS_STS_AUDIENCE = 'sts.amazonaws.com';

/** @internal What the minter uses of `@aws-sdk/client-sts`. */
export interface StsSdk {
  readonly STSClient: typeof Sts.STSClient;
  readonly AssumeRoleWithWebIdentityCommand: typeof Sts.AssumeRoleWithWebIdentityCommand;
}

/** @public Minted session credentials. The secret parts stay redacted until handed to the SDK. */
export interface AwsSessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: SecretValue;
  readonly sessionToken: SecretValue;
  readonly expiration: Date;
}

/** @public Options of {@link createAwsStsMinter}. */
export interface AwsStsMinterOptions {
  /** The backend minting, named in errors (`aws-sm`). */
  readonly backend: string;
  readonly roleArn: string;
  readonly token: TokenSource;
  readonly sessionName: string;
  /** @default 900 */
  readonly durationSeconds?: number;
  /** A session policy, already JSON. */
  readonly policy?: string;
  /** @default 'sts.amazonaws.com' */
  readonly audience?: string;
  /** Region of the STS endpoint. */
  readonly region: string;
  /** Custom STS endpoint. @default AWS's regional endpoint */
  readonly endpoint?: string;
  readonly loadSts: () => Promise<StsSdk>;
  /** Told of each mint (the audit record): when the credentials expire, never the credentials. */
  readonly onMint?: (expiresAt: Date | undefined) => void;
  /** Clock of the cache (tests). @default Date.now */
  readonly now?: () => number;
}

/** @public What minting needs from a fetch: where to read the token, and when to give up. */
export type MintContext = Pick<FetchContext, 'env' | 'baseDir' | 'signal'>;

/** @public Web-identity credentials for one role, session name and policy. */
export interface AwsStsMinter {
  /** The cached credentials while fresh, else freshly minted ones (one STS call for concurrent callers). */
  credentials(ctx: MintContext): Promise<AwsSessionCredentials>;
  /**
   * Forget the cached credentials (AWS said they expired): the next call mints. With `refused`, only if those are
   * still the cached ones — a concurrent caller may have replaced them already.
   */
  invalidate(refused?: AwsSessionCredentials): void;
  /** STS calls started so far. */
  readonly mints: number;
  /** For logs: the role and the token source, never the token. */
  readonly description: string;
  /** Release the STS client. Session credentials cannot be revoked; they lapse at their expiration. */
  close(): void;
}

const DEFAULT_DURATION_SECONDS = 900;

/** @public */
export function createAwsStsMinter(options: AwsStsMinterOptions): AwsStsMinter {
  const cache = new MintCache<AwsSessionCredentials>({
    ...(options.now === undefined ? {} : { now: options.now }),
    backend: options.backend,
    timeoutHint: 'Check that STS (auth.stsEndpoint) and the token source answer',
    ...(options.onMint === undefined ? {} : { onMint: (_key, expiresAt) => options.onMint?.(expiresAt) }),
  });
  // Everything that decides which credentials come out.
  const key = JSON.stringify([
    options.roleArn,
    options.sessionName,
    options.policy ?? null,
    options.durationSeconds ?? DEFAULT_DURATION_SECONDS,
    options.region,
    options.endpoint ?? null,
  ]);
  const audience = options.audience ?? AWS_STS_AUDIENCE;
  const operation = `assume role ${options.roleArn}`;
  type Loaded = { readonly client: InstanceType<StsSdk['STSClient']>; readonly sdk: StsSdk };
  let loading: Promise<Loaded> | undefined;

  const stsClient = (): Promise<Loaded> => {
    loading ??= options.loadSts().then((sdk) => ({
      sdk,
      client: new sdk.STSClient({
        region: options.region,
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        // The resolver retries transient failures itself, within the user's timeout.
        maxAttempts: 1,
        // Only `stsEndpoint` redirects STS, not AWS_ENDPOINT_URL* or a profile's endpoint_url: as documented.
        ignoreConfiguredEndpointUrls: true,
      }),
    }));
    // A failed load is not kept: the next mint reports the same clear error.
    loading.catch(() => {
      loading = undefined;
    });
    return loading;
  };

  const mint = async (ctx: MintContext) => {
    const token = await readOidcToken(options.token, { backend: options.backend, audience, ctx });
    const { client, sdk } = await stsClient();
    let output: Sts.AssumeRoleWithWebIdentityCommandOutput;
    try {
      output = await client.send(
        new sdk.AssumeRoleWithWebIdentityCommand({
          RoleArn: options.roleArn,
          RoleSessionName: options.sessionName,
          WebIdentityToken: token.reveal(),
          DurationSeconds: options.durationSeconds ?? DEFAULT_DURATION_SECONDS,
          ...(options.policy === undefined ? {} : { Policy: options.policy }),
        }),
        { abortSignal: ctx.signal }
      );
    } catch (error) {
      throw stsError(error, ctx.signal, { backend: options.backend, operation });
    }
    const c = output.Credentials;
    if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined) {
      throw new BrokerError('MINT_FAILED', 'STS answered without credentials', {
        backend: options.backend,
        operation,
        hint: 'Check that stsEndpoint points at AWS STS',
      });
    }
    const expiration =
      c.Expiration ?? new Date(Date.now() + (options.durationSeconds ?? DEFAULT_DURATION_SECONDS) * 1000);
    const label = `${options.backend} minted credentials`;
    const value: AwsSessionCredentials = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: new SecretValue(c.SecretAccessKey, label),
      sessionToken: new SecretValue(c.SessionToken, label),
      expiration,
    };
    return { value, expiresAt: expiration };
  };

  return {
    credentials: (ctx) => cache.get(key, () => mint(ctx)),
    invalidate(refused) {
      if (refused === undefined || cache.values().includes(refused)) {
        cache.invalidate(key);
      }
    },
    get mints() {
      return cache.mints;
    },
    description: `web identity: role ${options.roleArn}, ${describeTokenSource(options.token)}`,
    close() {
      loading?.then(({ client }) => client.destroy()).catch(() => {});
      loading = undefined;
    },
  };
}

interface StsErrorContext {
  readonly backend: string;
  readonly operation: string;
}

// Our words for each STS error code; AWS's message is never copied (it may quote the token's claims).
const STS_ERRORS: Readonly<Record<string, { code: BrokerErrorCode; reason: string; hint: string; transient?: true }>> =
  {
    InvalidIdentityToken: {
      code: 'MINT_FAILED',
      reason: 'STS could not validate the web identity token (InvalidIdentityToken)',
      hint: "Check that an IAM OIDC identity provider exists for the token's issuer and that its audiences include the token's audience",
    },
    ExpiredTokenException: {
      code: 'NO_IDENTITY',
      reason: 'the web identity token has expired (ExpiredTokenException)',
      hint: 'The token source must deliver a fresh token: a projected token file rotates by itself, a token in an env var only lives as long as the CI issued it for',
    },
    IDPRejectedClaim: {
      code: 'MINT_FAILED',
      reason: 'STS rejected a claim of the web identity token (IDPRejectedClaim)',
      hint: "Check the role's trust policy conditions on the token's subject and audience",
    },
    AccessDenied: {
      code: 'MINT_FAILED',
      reason: 'STS refused to assume the role (AccessDenied)',
      hint: "Check that the role exists and that its trust policy allows sts:AssumeRoleWithWebIdentity for this token's issuer, subject and audience",
    },
    IDPCommunicationError: {
      code: 'MINT_FAILED',
      reason: "STS could not reach the token issuer's OIDC configuration (IDPCommunicationError)",
      hint: "Check that the issuer's /.well-known/openid-configuration and keys are publicly reachable",
      transient: true,
    },
    MalformedPolicyDocument: {
      code: 'CONFIG_INVALID',
      reason: 'STS rejected the session policy (MalformedPolicyDocument)',
      hint: 'Check auth.policy is a valid IAM policy document',
    },
    PackedPolicyTooLarge: {
      code: 'CONFIG_INVALID',
      reason: 'the session policy is too large for STS (PackedPolicyTooLarge)',
      hint: 'Shorten auth.policy',
    },
    RegionDisabledException: {
      code: 'CONFIG_INVALID',
      reason: 'STS is not activated in this region (RegionDisabledException)',
      hint: 'Activate the region for STS in IAM account settings, or set auth.stsRegion',
    },
    ValidationError: {
      code: 'CONFIG_INVALID',
      reason: 'STS rejected a parameter (ValidationError)',
      hint: "Check auth.sessionName, and that auth.durationSeconds is within the role's maximum session duration",
    },
  };

function stsError(error: unknown, signal: AbortSignal, context: StsErrorContext): BrokerError {
  const base = {
    backend: context.backend,
    operation: context.operation,
    cause: opaqueCause(error, '@aws-sdk/client-sts'),
  };
  const code = awsErrorCode(error) ?? '';
  // The SDK names modelled errors `<Code>Exception`; unmodelled ones keep the wire code.
  const known = STS_ERRORS[code] ?? STS_ERRORS[code.replace(/Exception$/, '')];
  if (known !== undefined) {
    return new BrokerError(known.code, known.reason, {
      ...base,
      hint: known.hint,
      transient: known.transient ?? false,
    });
  }
  return transportError(error, signal, { ...base, service: 'STS' });
}

/** @internal The AWS error code of an SDK error (`name` of a service exception), when it looks like one. */
export function awsErrorCode(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | undefined)?.name;
  const fault = (error as { $fault?: unknown } | undefined)?.$fault;
  return typeof name === 'string' && fault !== undefined && /^[A-Za-z0-9_.]{1,64}$/.test(name) ? name : undefined;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/**
 * @internal Failures common to every AWS call: aborts (TIMEOUT), throttling, 5xx and broken connections
 * (UNAVAILABLE, transient), anything else (UNAVAILABLE, not transient) — named by code, never by message.
 */
export function transportError(
  error: unknown,
  signal: AbortSignal,
  context: { backend: string; operation: string; ref?: string; service: string; cause: unknown }
): BrokerError {
  const base = {
    backend: context.backend,
    operation: context.operation,
    ...(context.ref === undefined ? {} : { ref: context.ref }),
    cause: context.cause,
  };
  const e = (error ?? {}) as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (signal.aborted || e.name === 'AbortError') {
    return new BrokerError('TIMEOUT', `the ${context.service} request was aborted`, {
      ...base,
      transient: true,
      hint: 'Check that the endpoint is reachable, or raise resolve.timeoutMs',
    });
  }
  const code = awsErrorCode(error);
  const status = e.$metadata?.httpStatusCode;
  if (code !== undefined && (/Throttl|TooManyRequests|RequestLimitExceeded/.test(code) || (status ?? 0) >= 500)) {
    return new BrokerError(
      'UNAVAILABLE',
      `${context.service} answered ${code}${status === undefined ? '' : ` (HTTP ${status})`}`,
      {
        ...base,
        transient: true,
        hint: 'A retry may succeed; the resolver retries transient failures',
      }
    );
  }
  if (code !== undefined) {
    return new BrokerError(
      'UNAVAILABLE',
      `${context.service} answered ${code}${status === undefined ? '' : ` (HTTP ${status})`}`,
      {
        ...base,
        hint: 'See the AWS documentation of this error code',
      }
    );
  }
  const network = typeof e.code === 'string' ? e.code : undefined;
  if ((network !== undefined && NETWORK_CODES.has(network)) || e.name === 'TimeoutError') {
    return new BrokerError('UNAVAILABLE', `cannot reach ${context.service} (${network ?? 'timeout'})`, {
      ...base,
      transient: true,
      hint: 'Check the endpoint, the network and any proxy settings',
    });
  }
  if (network === 'ENOTFOUND') {
    return new BrokerError('UNAVAILABLE', `cannot resolve the ${context.service} host (ENOTFOUND)`, {
      ...base,
      hint: 'Check the endpoint and the region',
    });
  }
  return new BrokerError('UNAVAILABLE', `the ${context.service} request failed (${errorName(error)})`, {
    ...base,
    hint: 'See the cause of this error for details',
  });
}

function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && /^[A-Za-z0-9_.]{1,64}$/.test(name) ? name : 'error';
}
