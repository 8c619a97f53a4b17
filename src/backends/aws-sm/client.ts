/**
 * The only module that imports the AWS SDK, lazily, at the first fetch (G10): `@aws-sdk/client-secrets-manager`
 * always, `@aws-sdk/client-sts` when credentials are minted.
 */
import type * as SecretsManager from '@aws-sdk/client-secrets-manager';
import type * as Sts from '@aws-sdk/client-sts';
import { BrokerError } from '../../errors.js';
import type { StsSdk } from '../../identity/aws-sts.js';

/** @internal What the backend uses of `@aws-sdk/client-secrets-manager`. */
export interface SecretsManagerSdk {
  readonly SecretsManagerClient: typeof SecretsManager.SecretsManagerClient;
  readonly GetSecretValueCommand: typeof SecretsManager.GetSecretValueCommand;
}

/** @internal Loaders of both SDK packages; injectable so tests can take one away. */
export interface AwsSdkLoaders {
  readonly secretsManager: () => Promise<SecretsManagerSdk>;
  readonly sts: () => Promise<StsSdk>;
}

const SECRETS_MANAGER = '@aws-sdk/client-secrets-manager';
const STS = '@aws-sdk/client-sts';

/** @internal The real packages. */
export const AWS_SDK: AwsSdkLoaders = {
  secretsManager: async () => {
    const sdk = await importOptional(SECRETS_MANAGER, () => import('@aws-sdk/client-secrets-manager'));
    return { SecretsManagerClient: sdk.SecretsManagerClient, GetSecretValueCommand: sdk.GetSecretValueCommand };
  },
  sts: async () => {
    const sdk = await importOptional(
      STS,
      (): Promise<typeof Sts> => import('@aws-sdk/client-sts'),
      'aws-sm: references with web-identity auth'
    );
    return { STSClient: sdk.STSClient, AssumeRoleWithWebIdentityCommand: sdk.AssumeRoleWithWebIdentityCommand };
  },
};

/** @internal Import an optional peer; a missing package is MISSING_DEPENDENCY, any other failure is kept as cause. */
export async function importOptional<T>(name: string, load: () => Promise<T>, use = 'aws-sm: references'): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
    throw new BrokerError(
      missing ? 'MISSING_DEPENDENCY' : 'INTERNAL',
      `${name} ${missing ? 'is not installed' : 'failed to load'}`,
      {
        backend: 'aws-sm',
        operation: 'load client',
        hint: missing
          ? `npm install -D ${name} to use ${use}`
          : `Reinstall ${name}; the installed copy cannot be imported`,
        cause: error,
      }
    );
  }
}
