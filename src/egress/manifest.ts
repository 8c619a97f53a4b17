import type { Badge } from '../backends/labels.js';
import { settingsScheme } from '../backends/registry.js';
import type { CredentialSpec } from '../config/normalise.js';
import { FILE_PATH_SUFFIX } from '../config/normalise.js';
import type { BrokerConfig } from '../config/schema.js';
import type { Delivery } from '../contract/wire.js';
import { describeTokenSource } from '../login/token-source.js';
import { formatRef } from '../ref/index.js';
import type { Scheme } from '../ref/types.js';
import { azureTokenDestination, azureTokenMinted } from './azure-token.js';
import { classifyHost, hostOf } from './classify.js';
import { endpointOf } from './endpoint.js';
import { identityPlans } from './logins.js';
import { gcpTokenMinted } from './minted-gcp.js';

/** @public Status of one credential for this run. */
export type ManifestStatus = 'resolve' | 'skipped-egress-disabled';

/** @public Where egress was decided. */
export type EgressSource = 'default' | 'config' | 'env' | 'flag';

/** @public One place a value comes from or goes to, with its honest badge. */
export interface ManifestPlace {
  readonly endpoint: string;
  readonly badge: Badge;
  /** Why this badge: "loopback address", "AWS public endpoint", "custom endpoint"… */
  readonly why: string;
  /** The user's own label, when given. */
  readonly label?: Badge;
  /** Set when the label contradicts the endpoint. */
  readonly labelMismatch?: string;
}

/** @public One row of the manifest. Documented in the README ("Manifest JSON"). */
export interface ManifestEntry {
  readonly name: string;
  /** Canonical display form of the ref. */
  readonly ref: string;
  readonly scheme: string;
  /** Whether resolving it sends a request over the network. */
  readonly network: boolean;
  readonly badge: Badge;
  readonly source: ManifestPlace;
  readonly delivery: {
    readonly as: Delivery;
    /** Env var holding the value (`env`, `both`). */
    readonly env?: string;
    /** Env var holding the file path (`file`, `both`). */
    readonly fileEnv?: string;
    /** File name inside the test's private 0700 directory (`file`, `both`). */
    readonly file?: string;
  };
  readonly destination?: ManifestPlace;
  readonly status: ManifestStatus;
  /** Why it is skipped, when it is. */
  readonly reason?: string;
  /** `config` and/or the test files whose docblocks declare it. */
  readonly declaredIn: readonly string[];
  /** Minted credentials (`aws-sts:`): what is minted, from which identity, for how long, and its end. */
  readonly minted?: {
    readonly what: string;
    readonly identity: string;
    readonly lifetime: string;
    readonly scope: string;
    readonly ends: string;
  };
}

/**
 * @public A login the run performs to resolve its network credentials: what authenticates and every endpoint the
 * login sends a token to (GitHub's token service, STS, Entra, Vault's login path), each with its badge.
 */
export interface ManifestLogin {
  /** The backend that logs in, e.g. `aws-sm`. */
  readonly backend: string;
  /** e.g. `web-identity, role arn:aws:iam::123456789012:role/ci`, or the SDK's default chain. */
  readonly method: string;
  /** Where the OIDC token comes from, when one is exchanged. */
  readonly token?: string;
  readonly endpoints: readonly ManifestPlace[];
}

/** @public The manifest of a run: every declared credential → where it comes from and where it goes. */
export interface Manifest {
  readonly version: 1;
  readonly egress: { readonly enabled: boolean; readonly source: EgressSource };
  readonly credentials: readonly ManifestEntry[];
  /** One per network backend with a credential to resolve (none while egress is off). */
  readonly logins: readonly ManifestLogin[];
  readonly summary: {
    readonly total: number;
    readonly resolve: number;
    readonly skipped: number;
    readonly badges: Readonly<Record<Badge, number>>;
    readonly labelMismatches: number;
  };
}

/** @public Inputs of {@link buildManifest}. */
export interface ManifestInput {
  readonly credentials: Iterable<CredentialSpec & { readonly declaredIn?: readonly string[] }>;
  readonly backends: BrokerConfig['backends'];
  readonly egress: { readonly enabled: boolean; readonly source: EgressSource };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly baseDir: string;
}

/** @public Build the manifest. Pure: no I/O, no resolution. */
export function buildManifest(input: ManifestInput): Manifest {
  const credentials = [...input.credentials].map((spec) => manifestEntry(spec, input));
  const badges: Record<Badge, number> = { local: 0, 'self-hosted': 0, 'managed-cloud': 0 };
  for (const entry of credentials) {
    badges[entry.badge] += 1;
  }
  const skipped = credentials.filter((c) => c.status !== 'resolve').length;
  const resolving = credentials.filter((c) => c.network && c.status === 'resolve').map((c) => c.scheme as Scheme);
  const logins = identityPlans(resolving, input.backends, input.env).map(
    ({ endpoints, ...login }): ManifestLogin => ({
      ...login,
      endpoints: endpoints.map((url) => place(url, hostOf(url), undefined)),
    })
  );
  return {
    version: 1,
    egress: input.egress,
    credentials,
    logins,
    summary: {
      total: credentials.length,
      resolve: credentials.length - skipped,
      skipped,
      badges,
      labelMismatches: credentials.filter((c) => c.source.labelMismatch ?? c.destination?.labelMismatch).length,
    },
  };
}

/** @public The sentence a skipped test shows: the credential, its ref, its endpoint and how to enable egress. */
export function skipReason(entry: Pick<ManifestEntry, 'name' | 'ref' | 'source'>): string {
  return `credential-broker: ${entry.name} needs ${entry.ref} (${entry.source.endpoint}, ${entry.source.badge}) but egress is disabled; set CREDENTIAL_BROKER_EGRESS=1 to resolve it`;
}

/** @internal The manifest row of one credential, without building the whole manifest. */
export function manifestEntry(
  spec: CredentialSpec & { readonly declaredIn?: readonly string[] },
  input: Omit<ManifestInput, 'credentials'>
): ManifestEntry {
  const endpoint = endpointOf(spec.ref, input.backends, input.env, input.baseDir);
  const network = endpoint.kind === 'url';
  const minted = mintedOf(spec, input.backends);
  const settings = input.backends?.[settingsScheme(spec.ref.scheme)] as { label?: Badge } | undefined;
  const source = place(endpoint.display, endpoint.host, settings?.label);
  const destination =
    spec.destination === undefined
      ? minted === undefined
        ? undefined
        : spec.ref.scheme === 'azure-token'
          ? place(azureTokenDestination(spec.mint), hostOf(azureTokenDestination(spec.mint)), undefined)
          : // A minted AWS session is sent to AWS's service endpoints unless the entry says where.
            place('https://*.amazonaws.com', 'amazonaws.com', undefined)
      : place(spec.destination.url, hostOf(spec.destination.url), spec.destination.label);
  const status: ManifestStatus = network && !input.egress.enabled ? 'skipped-egress-disabled' : 'resolve';
  const base = {
    name: spec.name,
    ref: formatRef(spec.ref),
    scheme: spec.ref.scheme,
    network,
    badge: source.badge,
    source,
    delivery: delivery(spec),
    ...(destination === undefined ? {} : { destination }),
    status,
    declaredIn: spec.declaredIn ?? [spec.origin],
    ...(minted === undefined ? {} : { minted }),
  };
  return status === 'resolve' ? base : { ...base, reason: skipReason(base) };
}

function place(endpoint: string, host: string | undefined, label: Badge | undefined): ManifestPlace {
  const { badge, why } = classifyHost(host);
  if (label === undefined) {
    return { endpoint, badge, why };
  }
  return label === badge
    ? { endpoint, badge, why, label }
    : { endpoint, badge, why, label, labelMismatch: `labelled "${label}" but the endpoint is ${badge} (${why})` };
}

function delivery(spec: CredentialSpec): ManifestEntry['delivery'] {
  switch (spec.delivery) {
    case 'env':
      return { as: 'env', env: spec.envName };
    case 'file':
      return { as: 'file', fileEnv: spec.envName, file: spec.fileName };
    case 'both':
      return { as: 'both', env: spec.envName, fileEnv: `${spec.envName}${FILE_PATH_SUFFIX}`, file: spec.fileName };
    case 'endpoint':
      return {
        as: 'endpoint',
        env:
          spec.ref.scheme === 'gcp-token'
            ? 'GCE_METADATA_HOST'
            : spec.ref.scheme === 'azure-token'
              ? 'IDENTITY_ENDPOINT'
              : 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      };
  }
}

function mintedOf(spec: CredentialSpec, backends: BrokerConfig['backends']): ManifestEntry['minted'] {
  if (spec.ref.scheme === 'vault-token') {
    const auth = backends?.vault?.auth;
    return {
      what: `a Vault child token (auth/token/create/${spec.ref.role})`,
      identity:
        auth === undefined || auth.method === 'token' ? 'the Vault token of the run' : `a Vault ${auth.method} login`,
      lifetime: spec.mint?.ttl === undefined ? "the token role's TTL" : `TTL ${spec.mint.ttl}`,
      scope: `${spec.mint?.policies === undefined ? "the role's policies" : `policies ${spec.mint.policies.join(', ')}`}${spec.mint?.numUses === undefined ? '' : `, ${spec.mint.numUses} uses`}`,
      ends: 'revoked when the test ends',
    };
  }
  if (spec.ref.scheme === 'gcp-token') {
    return gcpTokenMinted(spec.ref.serviceAccount, spec.mint, backends?.['gcp-token']);
  }
  if (spec.ref.scheme === 'azure-token') {
    return azureTokenMinted(spec.ref, spec.mint, backends?.['azure-token']);
  }
  if (spec.ref.scheme !== 'aws-sts') {
    return undefined;
  }
  const identity = backends?.['aws-sts'];
  return {
    what: `AWS session credentials for ${spec.ref.roleArn} (AssumeRoleWithWebIdentity)`,
    identity: identity === undefined ? "none: define backends['aws-sts']" : describeTokenSource(identity.token),
    lifetime: `${spec.mint?.durationSeconds ?? 900} s, re-minted before the SDK's 5-minute refresh window`,
    scope: spec.mint?.policy === undefined ? "the role's policies" : 'narrowed by a session policy',
    ends: 'expires (STS sessions cannot be revoked); the test endpoint closes when the test ends',
  };
}
