import { z } from 'zod';
import { ageSettingsSchema } from '../backends/age/settings.js';
import { awsSmSettingsSchema } from '../backends/aws-sm/settings.js';
import { azureKvSettingsSchema } from '../backends/azure-kv/settings.js';
import { envSettingsSchema } from '../backends/env/settings.js';
import { fileSettingsSchema } from '../backends/file/settings.js';
import { gcpSmSettingsSchema } from '../backends/gcp-sm/settings.js';
import { badgeLabelSchema } from '../backends/labels.js';
import { sopsSettingsSchema } from '../backends/sops/settings.js';
import { vaultSettingsSchema } from '../backends/vault/settings.js';
import { tryParseRef } from '../ref/index.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FILE_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * A ref string. Never echoed in errors: a value pasted here by mistake is exactly what must not be printed,
 * so the message says where the grammar stopped and what it expected, not what it saw.
 */
const refSchema = z.string().superRefine((input, ctx) => {
  const parsed = tryParseRef(input);
  if (parsed.ok) {
    return;
  }
  const { column, expected, hint } = parsed.error;
  ctx.addIssue({
    code: 'custom',
    message: `not a valid reference (at column ${column}: expected ${expected})${hint === undefined ? '' : `; ${hint}`}. A config holds references such as "vault:secret/db#url", never values`,
  });
});

const destinationSchema = z.union([
  z.string().min(1),
  z.strictObject({
    /** Where the test sends the credential (URL or host). */
    url: z.string().min(1),
    /** Your own claim; flagged when the address says otherwise. */
    label: badgeLabelSchema.optional(),
  }),
]);

const credentialEntrySchema = z.union([
  refSchema,
  z.strictObject({
    ref: refSchema,
    as: z.enum(['env', 'file', 'both']).optional(),
    env: z.string().regex(ENV_NAME, 'expected an environment variable name').optional(),
    file: z.string().regex(FILE_NAME, 'expected a plain file name (letters, digits, ".", "_", "-")').optional(),
    destination: destinationSchema.optional(),
  }),
]);

/** @public The schema of `credential-broker.config.*`. */
export const configSchema = z.strictObject({
  egress: z
    .strictObject({
      /** Let network-backed credentials resolve. @default false */
      enabled: z.boolean().optional(),
    })
    .optional(),
  scrub: z
    .strictObject({
      /** Values shorter than this are not scrubbed (too short to match safely) and warned about. @default 6 */
      minLength: z.int().min(1).max(64).optional(),
      /** Replacement text; `{name}` is the credential name. @default '[redacted:{name}]' */
      replacement: z.string().min(1).optional(),
    })
    .optional(),
  resolve: z
    .strictObject({
      /** Fetches in flight at once. @default 64 */
      concurrency: z.int().min(1).max(256).optional(),
      /** Per-fetch timeout. @default 15000 */
      timeoutMs: z.int().min(1).optional(),
      /** Retries for transient errors only. @default 2 */
      retries: z.int().min(0).max(10).optional(),
    })
    .optional(),
  backends: z
    .strictObject({
      vault: vaultSettingsSchema.optional(),
      'aws-sm': awsSmSettingsSchema.optional(),
      'gcp-sm': gcpSmSettingsSchema.optional(),
      'azure-kv': azureKvSettingsSchema.optional(),
      sops: sopsSettingsSchema.optional(),
      age: ageSettingsSchema.optional(),
      env: envSettingsSchema.optional(),
      file: fileSettingsSchema.optional(),
    })
    .optional(),
  credentials: z
    .record(z.string().regex(ENV_NAME, 'expected a credential name like DATABASE_URL'), credentialEntrySchema)
    .optional(),
});

/** @public What a user writes (all optional). */
export type BrokerConfigInput = z.input<typeof configSchema>;
/** @public The validated config. */
export type BrokerConfig = z.output<typeof configSchema>;
/** @public One entry of `credentials`. */
export type CredentialEntryInput = z.input<typeof credentialEntrySchema>;
