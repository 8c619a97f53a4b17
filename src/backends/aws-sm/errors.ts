import { BrokerError, type BrokerErrorCode, isBrokerError } from '../../errors.js';
import { awsErrorCode, transportError } from '../../login/aws-sts.js';
import { opaqueCause } from '../../sdk/opaque-cause.js';

/** @internal What an error message may name about the request. */
export interface RequestFacts {
  readonly ref: string;
  readonly region: string | undefined;
  /** Who asked: `role arn:…` or `the SDK's default credential chain`. */
  readonly identity: string;
  readonly minted: boolean;
}

type Known = { code: BrokerErrorCode; reason: string; hint: string; transient?: true };

// Our words for each GetSecretValue error; AWS's message is never copied (it can echo input).
function known(code: string, facts: RequestFacts): Known | undefined {
  const where = facts.region === undefined ? '' : ` in ${facts.region}`;
  switch (code) {
    case 'ResourceNotFoundException':
      return {
        code: 'NOT_FOUND',
        reason: `no such secret or version${where} (ResourceNotFoundException)`,
        hint: 'Check the name or ARN, the region, and ?version-id / ?version-stage',
      };
    case 'AccessDeniedException':
      return {
        code: 'DENIED',
        reason: `access denied for ${facts.identity} (AccessDeniedException)`,
        hint: 'Allow secretsmanager:GetSecretValue on this secret in the identity policy (and the session policy, if any)',
      };
    case 'DecryptionFailure':
      return {
        code: 'DENIED',
        reason: `KMS refused to decrypt the secret for ${facts.identity} (DecryptionFailure)`,
        hint: "Allow kms:Decrypt on the secret's KMS key",
      };
    case 'UnrecognizedClientException':
      return {
        code: 'DENIED',
        reason: `AWS does not recognise the credentials of ${facts.identity} (UnrecognizedClientException)`,
        hint: facts.minted
          ? 'Check that the endpoint and the STS endpoint belong to the same AWS partition'
          : 'Check the access key the default chain found (env, profile) is valid',
      };
    case 'InvalidSignatureException':
      return {
        code: 'DENIED',
        reason: `AWS rejected the request signature of ${facts.identity} (InvalidSignatureException)`,
        hint: "Check the secret access key and this machine's clock",
      };
    case 'ExpiredTokenException':
      return {
        code: 'DENIED',
        reason: `the session credentials of ${facts.identity} have expired (ExpiredTokenException)`,
        hint: facts.minted
          ? "Freshly minted credentials were refused as expired too; check this machine's clock"
          : 'Refresh the session credentials the default chain found (aws sso login, a new AWS_SESSION_TOKEN…)',
      };
    case 'InvalidRequestException':
      return {
        code: 'NOT_FOUND',
        reason: 'the secret cannot be read in its current state (InvalidRequestException)',
        hint: 'A secret scheduled for deletion cannot be read; restore it or point the ref at another',
      };
    case 'InvalidParameterException':
      return {
        code: 'CONFIG_INVALID',
        reason: 'Secrets Manager rejected the request parameters (InvalidParameterException)',
        hint: 'Check the secret name or ARN and the version parameters',
      };
    case 'InternalServiceError':
      return {
        code: 'UNAVAILABLE',
        reason: 'Secrets Manager failed internally (InternalServiceError)',
        hint: 'A retry may succeed; the resolver retries transient failures',
        transient: true,
      };
    default:
      return undefined;
  }
}

/** @internal Map a failed GetSecretValue to a BrokerError naming the ref and a remedy, with the original as cause. */
export function secretsManagerError(error: unknown, signal: AbortSignal, facts: RequestFacts): BrokerError {
  if (isBrokerError(error)) {
    return error;
  }
  const base = {
    backend: 'aws-sm',
    operation: 'get',
    ref: facts.ref,
    cause: opaqueCause(error, '@aws-sdk/client-secrets-manager'),
  };
  const mapped = known(awsErrorCode(error) ?? '', facts);
  if (mapped !== undefined && !signal.aborted) {
    return new BrokerError(mapped.code, mapped.reason, {
      ...base,
      hint: mapped.hint,
      transient: mapped.transient ?? false,
    });
  }
  const e = error as { name?: unknown; message?: unknown } | undefined;
  if (e?.name === 'CredentialsProviderError') {
    return new BrokerError('NO_IDENTITY', "the AWS SDK's default credential chain found no credentials", {
      ...base,
      hint: "Set backends['aws-sm'].auth to web-identity, or give the SDK credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO or an instance role",
    });
  }
  // The SDK's own words; a fixed string, no data.
  if (e?.message === 'Region is missing') {
    return new BrokerError('CONFIG_INVALID', 'no AWS region is configured', {
      ...base,
      hint: "Set backends['aws-sm'].region or AWS_REGION, or use the secret's full ARN",
    });
  }
  return transportError(error, signal, { ...base, service: 'Secrets Manager' });
}
