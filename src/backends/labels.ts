import * as z from 'zod/mini';

/** @public The three honest badges of the manifest. */
export const BADGES = ['local', 'self-hosted', 'managed-cloud'] as const;

/** @public */
export type Badge = (typeof BADGES)[number];

/** A user's own claim about where an endpoint is; the manifest flags it when the endpoint says otherwise. */
export const badgeLabelSchema = z.enum(BADGES);

/** Network address settings shared by the remote backends. */
export const httpUrlSchema = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/**
 * @public `auth: { method: 'default' }` of the cloud backends: the SDK's own default credential chain (environment,
 * profile files, metadata servers), as each SDK orders it.
 */
export const sdkDefaultAuthSchema = z.strictObject({ method: z.literal('default') });

/** @public `caFile`: a PEM file of a CA to trust besides the public roots (a private CA); relative to the config. */
export const caFileSchema = z.string().check(z.minLength(1));
