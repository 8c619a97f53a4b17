import { BrokerError } from '../../errors.js';
import { opaqueCause } from '../../sdk/opaque-cause.js';

// gRPC status codes (grpc/doc/statuscodes.md), named here so that mapping errors needs no SDK import.
const CANCELLED = 1;
const DEADLINE_EXCEEDED = 4;
const NOT_FOUND = 5;
const PERMISSION_DENIED = 7;
const RESOURCE_EXHAUSTED = 8;
const FAILED_PRECONDITION = 9;
const INTERNAL = 13;
const UNAVAILABLE = 14;
const UNAUTHENTICATED = 16;

/** @internal Whether a call failed because the access token was refused (mint a new one and try once more). */
export function isUnauthenticated(error: unknown): boolean {
  return grpcCode(error) === UNAUTHENTICATED;
}

/**
 * @internal A failed AccessSecretVersion as a BrokerError. The service's message is kept only as `cause`: it names
 * resources, and a message is not ours to promise free of values.
 */
export function accessError(
  error: unknown,
  ref: string,
  endpoint: string,
  signal: AbortSignal,
  reminted: boolean
): BrokerError {
  const meta = {
    backend: 'gcp-sm',
    operation: 'access',
    ref,
    cause: opaqueCause(error, '@google-cloud/secret-manager'),
  } as const;
  const code = grpcCode(error);
  if (signal.aborted || code === CANCELLED) {
    return new BrokerError('TIMEOUT', 'the request was cancelled before Secret Manager answered', {
      ...meta,
      hint: 'Raise resolve.timeoutMs, or check the endpoint is responsive',
      transient: true,
    });
  }
  switch (code) {
    case NOT_FOUND:
      return new BrokerError('NOT_FOUND', 'no such secret or version', {
        ...meta,
        hint: 'Check the project, the secret id and ?version (gcloud secrets versions list <secret>)',
      });
    case FAILED_PRECONDITION:
      return new BrokerError('NOT_FOUND', 'the version is disabled or destroyed', {
        ...meta,
        hint: 'Enable it (gcloud secrets versions enable), or pick another with ?version=',
      });
    case PERMISSION_DENIED:
      return new BrokerError('DENIED', 'permission to access the secret version was denied', {
        ...meta,
        hint: 'Grant roles/secretmanager.secretAccessor on the secret to the identity in auth',
      });
    case UNAUTHENTICATED:
      // Application Default Credentials are the library's to refresh: the broker mints nothing and does not retry.
      return reminted
        ? new BrokerError('DENIED', 'Secret Manager refused the access token, also after minting a new one', {
            ...meta,
            hint: 'Check that auth mints a token for this project (audience, service account)',
          })
        : new BrokerError('DENIED', 'Secret Manager refused the access token of Application Default Credentials', {
            ...meta,
            hint: 'Check that the credentials GOOGLE_APPLICATION_CREDENTIALS or gcloud provide are valid and may act in this project',
          });
    case DEADLINE_EXCEEDED:
      return new BrokerError('TIMEOUT', 'Secret Manager did not answer within the call deadline', {
        ...meta,
        hint: 'A retry may succeed',
        transient: true,
      });
    case UNAVAILABLE:
    case RESOURCE_EXHAUSTED:
    case INTERNAL:
      return new BrokerError(
        'UNAVAILABLE',
        `Secret Manager at ${endpoint} is unavailable or throttling (gRPC ${code})`,
        {
          ...meta,
          hint: 'A retry may succeed; check the endpoint and the network path to it',
          transient: true,
        }
      );
    default:
      return new BrokerError('UNAVAILABLE', `the call failed (gRPC ${code ?? 'no status'})`, {
        ...meta,
        hint: 'Check the endpoint, caFile and the ref',
      });
  }
}

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
