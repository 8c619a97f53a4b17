import * as z from 'zod/mini';
import { ageSettingsSchema } from '../backends/age/settings.js';
import { awsSmSettingsSchema } from '../backends/aws-sm/settings.js';
import { awsStsSettingsSchema } from '../backends/aws-sts/settings.js';
import { azureKvSettingsSchema } from '../backends/azure-kv/settings.js';
import { azureTokenSettingsSchema } from '../backends/azure-token/settings.js';
import { envSettingsSchema } from '../backends/env/settings.js';
import { fileSettingsSchema } from '../backends/file/settings.js';
import { gcpSmSettingsSchema } from '../backends/gcp-sm/settings.js';
import { gcpTokenSettingsSchema } from '../backends/gcp-token/settings.js';
import { badgeLabelSchema } from '../backends/labels.js';
import { sopsSettingsSchema } from '../backends/sops/settings.js';
import { vaultSettingsSchema } from '../backends/vault/settings.js';
import { parseAddressPattern } from '../netaddr/pattern.js';
import { tryParseRef } from '../ref/index.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FILE_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * A ref string. Never echoed in errors: a value pasted here by mistake is exactly what must not be printed,
 * so the message says where the grammar stopped and what it expected, not what it saw.
 */
const refSchema = z.string().check(
  z.superRefine((input, ctx) => {
    const parsed = tryParseRef(input);
    if (parsed.ok) {
      return;
    }
    const { column, expected, hint } = parsed.error;
    ctx.addIssue({
      code: 'custom',
      message: `not a valid reference (at column ${column}: expected ${expected})${hint === undefined ? '' : `; ${hint}`}. A config holds references such as "vault:secret/db#url", never values`,
    });
  })
);

const addressPatternSchema = z.string().check(
  z.superRefine((input, ctx) => {
    const parsed = parseAddressPattern(input);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: `not an address: ${parsed}` });
    }
  })
);

const destinationSchema = z.union([
  z.string().check(z.minLength(1)),
  z.strictObject({
    /** Where the test sends the credential (URL or host). */
    url: z.string().check(z.minLength(1)),
    /** Your own claim; flagged when the address says otherwise. */
    label: z.optional(badgeLabelSchema),
  }),
]);

const credentialEntrySchema = z.union([
  refSchema,
  z
    .strictObject({
      ref: refSchema,
      /**
       * `endpoint`: minted refs only (`aws-sts:`, `azure-token:`), a per-test loopback credentials endpoint; their
       * default.
       */
      as: z.optional(z.enum(['env', 'file', 'both', 'endpoint'])),
      env: z.optional(z.string().check(z.regex(ENV_NAME, 'expected an environment variable name'))),
      file: z.optional(
        z.string().check(z.regex(FILE_NAME, 'expected a plain file name (letters, digits, ".", "_", "-")'))
      ),
      destination: z.optional(destinationSchema),
      /**
       * `env:` refs only: leave the source variable in the environment of the workers, the tests and their children
       * (for code of yours that reads it directly). By default it is removed before the workers start, so that only a
       * test that declares the credential sees the value.
       * @default false
       */
      keepSource: z.optional(z.boolean()),
      /** Minted refs: the lifetime asked of STS, in seconds (STS allows 900 up to the role's maximum). @default 900 */
      duration: z.optional(z.int().check(z.minimum(900), z.maximum(43_200))),
      /** `vault-token:` refs: policies of the child token (within the token role's allowed policies). */
      policies: z.optional(z.array(z.string().check(z.minLength(1)))),
      /** `vault-token:` refs: the child token's TTL, as Vault takes it (`15m`, `1h`). @default the role's */
      ttl: z.optional(z.string().check(z.regex(/^\d+[smh]?$/, 'expected a duration such as "15m"'))),
      /** `vault-token:` refs: how many requests the child token may make. @default unlimited */
      numUses: z.optional(z.int().check(z.minimum(1))),
      /** `gcp-token:` refs: the OAuth scopes of the access token. @default ['https://www.googleapis.com/auth/cloud-platform'] */
      scopes: z.optional(
        z
          .array(
            z.url({
              protocol: /^https$/,
              error: 'expected an OAuth scope URL such as https://www.googleapis.com/auth/cloud-platform',
            })
          )
          .check(z.minLength(1))
      ),
      /**
       * `azure-token:` refs: the one scope the token is for (`https://vault.azure.net/.default`). With `as: 'endpoint'`
       * the endpoint answers only for this resource; unset, it answers for any resource the test's SDK asks.
       * Required with `as: 'env'`.
       */
      scope: z.optional(
        z.string().check(z.regex(/^\S+$/, 'expected one scope such as "https://vault.azure.net/.default"'))
      ),
      /** `aws-sts:` refs: a session policy (IAM policy JSON as an object) narrowing what the minted session may do. */
      sessionPolicy: z.optional(
        z.record(z.string(), z.unknown()).check(
          z.refine((policy) => JSON.stringify(policy).length <= 2048, {
            message: 'expected a session policy of at most 2048 characters as JSON',
          })
        )
      ),
    })
    .check(
      z.superRefine((entry, ctx) => {
        const ref = entry.ref.trimStart();
        const aws = ref.startsWith('aws-sts:');
        const vault = ref.startsWith('vault-token:');
        const azure = ref.startsWith('azure-token:');
        if (aws && (entry.as === 'file' || entry.as === 'both')) {
          ctx.addIssue({
            code: 'custom',
            path: ['as'],
            message: 'aws-sts: credentials are delivered as "endpoint" (the default) or "env"',
          });
        }
        if (vault && entry.as !== undefined && entry.as !== 'env') {
          ctx.addIssue({
            code: 'custom',
            path: ['as'],
            message: 'vault-token: credentials are delivered as "env" (VAULT_TOKEN and VAULT_ADDR)',
          });
        }
        const gcp = ref.startsWith('gcp-token:');
        if (gcp && (entry.as === 'file' || entry.as === 'both')) {
          ctx.addIssue({
            code: 'custom',
            path: ['as'],
            message:
              'gcp-token: credentials are delivered as "endpoint" (the default) or "env" (with `env` naming the variable)',
          });
        }
        if (gcp && entry.as === 'env' && entry.env === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['env'],
            message:
              'gcp-token: as "env" needs `env` naming the variable (Google has no standard one; gcloud reads CLOUDSDK_AUTH_ACCESS_TOKEN)',
          });
        }
        if (!gcp && entry.scopes !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'scopes applies to gcp-token: refs only' });
        }
        if (!aws && !gcp && !azure && entry.as === 'endpoint') {
          ctx.addIssue({
            code: 'custom',
            path: ['as'],
            message: '"endpoint" applies to aws-sts:, gcp-token: and azure-token: refs only',
          });
        }
        checkAzureTokenEntry(azure, entry, ctx);
        for (const field of ['duration', 'sessionPolicy'] as const) {
          if (!aws && entry[field] !== undefined) {
            ctx.addIssue({ code: 'custom', path: [field], message: `${field} applies to aws-sts: refs only` });
          }
        }
        for (const field of ['policies', 'ttl', 'numUses'] as const) {
          if (!vault && entry[field] !== undefined) {
            ctx.addIssue({ code: 'custom', path: [field], message: `${field} applies to vault-token: refs only` });
          }
        }
        if (entry.keepSource !== undefined && !entry.ref.trimStart().startsWith('env:')) {
          ctx.addIssue({
            code: 'custom',
            path: ['keepSource'],
            message: 'keepSource applies to env: refs only (it keeps their source variable in the environment)',
          });
        }
      })
    ),
]);

/** @public The schema of `credential-broker.config.*`. */
export const configSchema = z.strictObject({
  egress: z.optional(
    z.strictObject({
      /** Let network-backed credentials resolve. @default false */
      enabled: z.optional(z.boolean()),
      /**
       * Watch the connections a test makes while it holds credentials: `report` lists those outside the declared
       * destinations and `allow`, `strict` refuses them before connect(2). @default 'report'
       */
      guard: z.optional(z.enum(['off', 'report', 'strict'])),
      /** Addresses always allowed: blocks (`10.0.0.0/8`), IPs, names, `*.domain`, each optionally `:port`. @default ['127.0.0.0/8', '::1'] */
      allow: z.optional(z.array(addressPatternSchema)),
      /** Where to write the guard's findings (JSON), relative to the config file. */
      report: z.optional(z.string().check(z.minLength(1))),
    })
  ),
  scrub: z.optional(
    z.strictObject({
      /** Values shorter than this are not scrubbed (too short to match safely) and warned about. @default 6 */
      minLength: z.optional(z.int().check(z.minimum(1), z.maximum(64))),
      /** Replacement text; `{name}` is the credential name. @default '[redacted:{name}]' */
      replacement: z.optional(z.string().check(z.minLength(1))),
    })
  ),
  resolve: z.optional(
    z.strictObject({
      /** Fetches in flight at once. @default 64 */
      concurrency: z.optional(z.int().check(z.minimum(1), z.maximum(256))),
      /** Per-fetch timeout. @default 15000 */
      timeoutMs: z.optional(z.int().check(z.minimum(1))),
      /** Retries for transient errors only. @default 2 */
      retries: z.optional(z.int().check(z.minimum(0), z.maximum(10))),
    })
  ),
  ci: z.optional(
    z.strictObject({
      /** Under GITHUB_ACTIONS=true, print `::add-mask::` for every form of every resolved value. @default true */
      githubMask: z.optional(z.boolean()),
      /** Under GITHUB_ACTIONS=true, append the run's summary to $GITHUB_STEP_SUMMARY. @default true */
      githubSummary: z.optional(z.boolean()),
    })
  ),
  audit: z.optional(
    z.strictObject({
      /** Where to write the run's audit record (JSON), relative to the config file. */
      file: z.string().check(z.minLength(1)),
    })
  ),
  backends: z.optional(
    z.strictObject({
      vault: z.optional(vaultSettingsSchema),
      'aws-sm': z.optional(awsSmSettingsSchema),
      'gcp-sm': z.optional(gcpSmSettingsSchema),
      'azure-kv': z.optional(azureKvSettingsSchema),
      sops: z.optional(sopsSettingsSchema),
      age: z.optional(ageSettingsSchema),
      env: z.optional(envSettingsSchema),
      file: z.optional(fileSettingsSchema),
      'aws-sts': z.optional(awsStsSettingsSchema),
      'gcp-token': z.optional(gcpTokenSettingsSchema),
      'azure-token': z.optional(azureTokenSettingsSchema),
    })
  ),
  credentials: z.optional(
    z.record(z.string().check(z.regex(ENV_NAME, 'expected a credential name like DATABASE_URL')), credentialEntrySchema)
  ),
});

/** @public What a user writes (all optional). */
export type BrokerConfigInput = z.input<typeof configSchema>;
/** @public The validated config. */
export type BrokerConfig = z.output<typeof configSchema>;
/** @public One entry of `credentials`. */
export type CredentialEntryInput = z.input<typeof credentialEntrySchema>;

/** `azure-token:` entries: endpoint (default) or env, `scope` theirs only and required for env. */
function checkAzureTokenEntry(
  azure: boolean,
  entry: { readonly as?: string | undefined; readonly scope?: string | undefined },
  ctx: { addIssue(issue: { code: 'custom'; path: string[]; message: string }): void }
): void {
  if (azure && (entry.as === 'file' || entry.as === 'both')) {
    ctx.addIssue({
      code: 'custom',
      path: ['as'],
      message: 'azure-token: credentials are delivered as "endpoint" (the default) or "env"',
    });
  }
  if (azure && entry.as === 'env' && entry.scope === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['scope'],
      message: 'azure-token: with as "env" needs the scope the token is for, e.g. "https://vault.azure.net/.default"',
    });
  }
  if (!azure && entry.scope !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['scope'], message: 'scope applies to azure-token: refs only' });
  }
}
