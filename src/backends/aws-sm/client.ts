/**
 * The only module that imports the AWS SDK, lazily, at the first fetch (G10): `@aws-sdk/client-secrets-manager`
 * always, `@aws-sdk/client-sts` when credentials are minted.
 */
import type * as SecretsManager from '@aws-sdk/client-secrets-manager';
import type * as Sts from '@aws-sdk/client-sts';
import type { StsSdk } from '../../login/aws-sts.js';
import { importPeer } from '../../sdk/import-peer.js';

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
    const sdk = await importPeer(() => import('@aws-sdk/client-secrets-manager'), {
      name: SECRETS_MANAGER,
      backend: 'aws-sm',
    });
    return { SecretsManagerClient: sdk.SecretsManagerClient, GetSecretValueCommand: sdk.GetSecretValueCommand };
  },
  sts: async () => {
    const sdk = await importPeer((): Promise<typeof Sts> => import('@aws-sdk/client-sts'), {
      name: STS,
      backend: 'aws-sm',
      use: 'aws-sm: references with web-identity auth',
    });
    return { STSClient: sdk.STSClient, AssumeRoleWithWebIdentityCommand: sdk.AssumeRoleWithWebIdentityCommand };
  },
};
