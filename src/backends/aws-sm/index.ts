/**
 * `aws-sm://name-or-arn[#key][?version-id=…|version-stage=…]` — AWS Secrets Manager GetSecretValue through the
 * official SDK, with credentials minted by STS AssumeRoleWithWebIdentity or found by the SDK's default chain.
 */
import type { GetSecretValueCommandOutput, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AuditSink, Backend, FetchContext, SecretDocument } from '../../contract/backend.js';
import { BrokerError } from '../../errors.js';
import {
  AWS_STS_AUDIENCE,
  type AwsSessionCredentials,
  type AwsStsMinter,
  awsErrorCode,
  createAwsStsMinter,
  ENV_AWS_ROLE_ARN,
  ENV_AWS_ROLE_SESSION_NAME,
  ENV_AWS_WEB_IDENTITY_TOKEN_FILE,
  type MintContext,
} from '../../login/aws-sts.js';
import { formatRef } from '../../ref/index.js';
import type { AwsSmRef } from '../../ref/types.js';
import { SecretValue } from '../../scrub/secret-value.js';
import { abortError, untilAborted } from '../../sdk/until-aborted.js';
import { AWS_SDK, type AwsSdkLoaders, type SecretsManagerSdk } from './client.js';
import { secretsManagerError } from './errors.js';
import { regionOf } from './region.js';
import type { AwsSmSettings } from './settings.js';

export type { AwsSmSettings, AwsWebIdentityAuth } from './settings.js';
export { awsSmSettingsSchema } from './settings.js';

/** @public Options of {@link createAwsSmBackend} beyond the settings: injection seams for tests and bundlers. */
export interface AwsSmBackendOptions {
  /** Loaders of the SDK packages. @default dynamic imports of the installed packages */
  readonly sdk?: Partial<AwsSdkLoaders>;
  /** Clock of the minted-credential cache, in ms since the epoch. @default Date.now */
  readonly now?: () => number;
}

type Env = FetchContext['env'];
type Identity = { readonly minter: AwsStsMinter | undefined; readonly description: string };
type RegionClient = { readonly client: SecretsManagerClient; readonly sdk: SecretsManagerSdk };

/**
 * @public The `aws-sm` backend. Credentials, first match wins:
 * 1. `auth: { method: 'web-identity', … }` — minted with STS, cached, re-minted as they age;
 * 2. no `auth`, and $AWS_ROLE_ARN + $AWS_WEB_IDENTITY_TOKEN_FILE set (EKS IRSA) — the same, from those;
 * 3. `auth: { method: 'default' }` or no `auth` — the SDK's default chain (env keys, profile, SSO, IMDS…).
 * One SecretsManagerClient per region, created at the region's first fetch. `SecretBinary` is delivered as its
 * UTF-8 text; a binary secret that is not valid UTF-8 is refused rather than altered.
 */
export function createAwsSmBackend(settings: AwsSmSettings = {}, options: AwsSmBackendOptions = {}): Backend<'aws-sm'> {
  const sdk: AwsSdkLoaders = { ...AWS_SDK, ...options.sdk };
  const closing = new AbortController();
  const clients = new Map<string, Promise<RegionClient>>();
  // Clients replaced after an ExpiredToken answer; still serving requests in flight, destroyed at close.
  const retired: Promise<RegionClient>[] = [];
  let identity: Identity | undefined;
  // Where a mint reads its token. Every fetch of a run carries the same env and baseDir.
  let mintPlace: Pick<MintContext, 'env' | 'baseDir'> = { env: {}, baseDir: '.' };
  // A mint is shared by concurrent fetches, so it answers to the backend's lifetime, not to one fetch's signal.
  const mintContext = (): MintContext => ({ ...mintPlace, signal: closing.signal });

  // The audit record of the run (from the latest fetch): a mint is shared by fetches, so it is told from here.
  let audit: AuditSink | undefined;
  const identityFor = (ctx: FetchContext): Identity => {
    if (identity === undefined) {
      const minted = (description: string) => (expiresAt: Date | undefined) =>
        audit?.minted({ backend: 'aws-sm', identity: description, expiresAt });
      identity = chooseIdentity(settings, ctx.env, sdk, options.now, minted);
      ctx.log.debug(`aws-sm: credentials from ${identity.description}`);
    }
    return identity;
  };

  const clientFor = (region: string | undefined, minter: AwsStsMinter | undefined): Promise<RegionClient> => {
    const key = region ?? '';
    let entry = clients.get(key);
    if (entry === undefined) {
      entry = sdk.secretsManager().then((loaded) => ({
        sdk: loaded,
        client: new loaded.SecretsManagerClient({
          ...(region === undefined ? {} : { region }),
          ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
          // The resolver retries transient failures itself, within the user's timeout (protocols §0.3).
          maxAttempts: 1,
          // Only `settings.endpoint` redirects requests: the manifest shows the real destination.
          ignoreConfiguredEndpointUrls: true,
          ...(minter === undefined
            ? {}
            : { credentials: async () => sdkCredentials(await minter.credentials(mintContext())) }),
        }),
      }));
      entry.catch(() => clients.delete(key));
      clients.set(key, entry);
    }
    return entry;
  };

  // Only the client that was refused: a concurrent fetch may have replaced it already.
  const retire = (region: string | undefined, refused: Promise<RegionClient>): void => {
    if (clients.get(region ?? '') === refused) {
      clients.delete(region ?? '');
      retired.push(refused);
    }
  };

  return {
    scheme: 'aws-sm',
    async fetch(ref, ctx): Promise<SecretDocument> {
      const display = formatRef(ref);
      const region = regionOf(ref, settings, ctx.env);
      audit = ctx.audit;
      const { minter, description } = identityFor(ctx);
      mintPlace = { env: ctx.env, baseDir: ctx.baseDir };
      const facts = { ref: display, region, identity: description, minted: minter !== undefined };
      for (let attempt = 0; ; attempt += 1) {
        let used: { credentials?: AwsSessionCredentials; client?: Promise<RegionClient> } = {};
        try {
          if (minter !== undefined) {
            // Minted before the call so that mint failures surface as themselves, and an abort is not waited out.
            used = {
              credentials: await untilAborted(minter.credentials(mintContext()), ctx.signal, () => abortError()),
            };
          }
          used.client = clientFor(region, minter);
          const { client, sdk: loaded } = await used.client;
          const output = await client.send(new loaded.GetSecretValueCommand(input(ref)), { abortSignal: ctx.signal });
          return documentOf(output, display);
        } catch (error) {
          if (minter !== undefined && attempt === 0 && awsErrorCode(error) === 'ExpiredTokenException') {
            // Expired before their time (revoked, clock skew): mint once more. The client memoizes the credentials
            // it was given, so it is replaced too.
            ctx.log.debug(`aws-sm: get "${display}": minted credentials were refused as expired; minting new ones`);
            minter.invalidate(used.credentials);
            if (used.client !== undefined) {
              retire(region, used.client);
            }
            continue;
          }
          throw secretsManagerError(error, ctx.signal, facts);
        }
      }
    },
    async close() {
      closing.abort();
      identity?.minter?.close();
      const all = await Promise.allSettled([...clients.values(), ...retired]);
      for (const result of all) {
        if (result.status === 'fulfilled') {
          result.value.client.destroy();
        }
      }
      clients.clear();
      retired.length = 0;
    },
  };
}

function chooseIdentity(
  settings: AwsSmSettings,
  env: Env,
  sdk: AwsSdkLoaders,
  now: (() => number) | undefined,
  minted: (description: string) => (expiresAt: Date | undefined) => void
): Identity {
  const stsRegion = (explicit: string | undefined) => explicit ?? regionOf({}, settings, env) ?? 'us-east-1';
  const common = { backend: 'aws-sm', loadSts: sdk.sts, ...(now === undefined ? {} : { now }) };
  const auth = settings.auth;
  if (auth?.method === 'web-identity') {
    const minter = createAwsStsMinter({
      ...common,
      onMint: minted(`role ${auth.roleArn}`),
      roleArn: auth.roleArn,
      token: auth.token,
      sessionName: auth.sessionName ?? defaultSessionName(),
      ...(auth.durationSeconds === undefined ? {} : { durationSeconds: auth.durationSeconds }),
      ...(auth.policy === undefined ? {} : { policy: JSON.stringify(auth.policy) }),
      audience: auth.audience ?? AWS_STS_AUDIENCE,
      region: stsRegion(auth.stsRegion),
      ...(auth.stsEndpoint === undefined ? {} : { endpoint: auth.stsEndpoint }),
    });
    return { minter, description: `role ${auth.roleArn}` };
  }
  const roleArn = env[ENV_AWS_ROLE_ARN];
  const tokenFile = env[ENV_AWS_WEB_IDENTITY_TOKEN_FILE];
  if (auth === undefined && roleArn && tokenFile) {
    const minter = createAwsStsMinter({
      ...common,
      onMint: minted(`role ${roleArn}`),
      roleArn,
      token: { file: tokenFile },
      sessionName: env[ENV_AWS_ROLE_SESSION_NAME] || defaultSessionName(),
      region: stsRegion(undefined),
    });
    return { minter, description: `role ${roleArn} (from ${ENV_AWS_ROLE_ARN})` };
  }
  return { minter: undefined, description: "the SDK's default credential chain" };
}

function defaultSessionName(): string {
  return `credential-broker-${process.pid}`;
}

function input(ref: AwsSmRef): { SecretId: string; VersionId?: string; VersionStage?: string } {
  return {
    SecretId: ref.id,
    ...(ref.versionId === undefined ? {} : { VersionId: ref.versionId }),
    ...(ref.versionStage === undefined ? {} : { VersionStage: ref.versionStage }),
  };
}

function documentOf(output: GetSecretValueCommandOutput, display: string): SecretDocument {
  const version = output.VersionId === undefined ? {} : { version: output.VersionId };
  if (output.SecretString !== undefined) {
    return { text: new SecretValue(output.SecretString, display), ...version };
  }
  if (output.SecretBinary !== undefined) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(output.SecretBinary);
    } catch {
      throw new BrokerError(
        'UNSUPPORTED',
        `the binary secret (${output.SecretBinary.length} bytes) is not UTF-8 text`,
        {
          backend: 'aws-sm',
          operation: 'get',
          ref: display,
          hint: 'Store it base64-encoded as a SecretString, and decode it in the test',
        }
      );
    }
    return { text: new SecretValue(text, display), ...version };
  }
  throw new BrokerError('INTEGRITY', 'the answer carries neither SecretString nor SecretBinary', {
    backend: 'aws-sm',
    operation: 'get',
    ref: display,
    hint: 'Check that the endpoint is AWS Secrets Manager',
  });
}

function sdkCredentials(minted: AwsSessionCredentials) {
  return {
    accessKeyId: minted.accessKeyId,
    secretAccessKey: minted.secretAccessKey.reveal(),
    sessionToken: minted.sessionToken.reveal(),
    expiration: minted.expiration,
  };
}
