/**
 * `aws-sts:<role-arn>` credentials for tests: one {@link AwsStsMinter} per (identity, role, lifetime, session
 * policy), so every test that declares the same shares one mint until it ages (single flight, refresh window).
 */
import type * as Sts from '@aws-sdk/client-sts';
import type { MintRequest } from '../../contract/backend.js';
import { BrokerError } from '../../errors.js';
import {
  AWS_STS_AUDIENCE,
  type AwsSessionCredentials,
  type AwsStsMinter,
  createAwsStsMinter,
  type MintContext,
  type StsSdk,
} from '../../login/aws-sts.js';
import type { AwsStsRef } from '../../ref/types.js';
import { importPeer } from '../../sdk/import-peer.js';
import { stsEndpointOf } from './endpoint.js';
import type { AwsStsSettings } from './settings.js';

const loadSts = async (): Promise<StsSdk> => {
  const sdk = await importPeer((): Promise<typeof Sts> => import('@aws-sdk/client-sts'), {
    name: '@aws-sdk/client-sts',
    backend: 'aws-sts',
    use: 'aws-sts: references',
  });
  return { STSClient: sdk.STSClient, AssumeRoleWithWebIdentityCommand: sdk.AssumeRoleWithWebIdentityCommand };
};

/** @public The STS minters of one run, by what decides the credentials they mint. */
export interface AwsStsMints {
  credentials(ref: AwsStsRef, request: MintRequest, ctx: MintContext): Promise<AwsSessionCredentials>;
  /** STS calls started so far, over every role. */
  readonly mints: number;
  close(): void;
}

/** @public */
export function createAwsStsMints(
  settings: AwsStsSettings | undefined,
  env: Readonly<Record<string, string | undefined>>,
  now?: () => number
): AwsStsMints {
  const minters = new Map<string, AwsStsMinter>();
  const sts = stsEndpointOf(settings, env);
  return {
    credentials(ref, request, ctx) {
      if (settings === undefined) {
        throw new BrokerError('CONFIG_INVALID', `no identity to mint ${ref.roleArn} with`, {
          backend: 'aws-sts',
          operation: 'mint',
          ref: `aws-sts:${ref.roleArn}`,
          hint: "Define it once in the config: backends: { 'aws-sts': { token: 'github' } } (or { file } / { env })",
        });
      }
      const key = JSON.stringify([ref.roleArn, request.durationSeconds ?? null, request.policy ?? null]);
      let minter = minters.get(key);
      if (minter === undefined) {
        minter = createAwsStsMinter({
          backend: 'aws-sts',
          roleArn: ref.roleArn,
          token: settings.token,
          sessionName: settings.sessionName ?? `credential-broker-${process.pid}`,
          ...(request.durationSeconds === undefined ? {} : { durationSeconds: request.durationSeconds }),
          ...(request.policy === undefined ? {} : { policy: request.policy }),
          audience: settings.audience ?? AWS_STS_AUDIENCE,
          region: sts.region,
          ...(sts.custom ? { endpoint: sts.url } : {}),
          loadSts,
          ...(now === undefined ? {} : { now }),
        });
        minters.set(key, minter);
      }
      return minter.credentials(ctx);
    },
    get mints() {
      return [...minters.values()].reduce((sum, m) => sum + m.mints, 0);
    },
    close() {
      for (const minter of minters.values()) {
        minter.close();
      }
      minters.clear();
    },
  };
}
