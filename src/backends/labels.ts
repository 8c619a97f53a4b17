import * as z from 'zod/mini';

/** @public The three honest badges of the manifest. */
export const BADGES = ['local', 'self-hosted', 'managed-cloud'] as const;

/** @public */
export type Badge = (typeof BADGES)[number];

/** A user's own claim about where an endpoint is; the manifest flags it when the endpoint says otherwise. */
export const badgeLabelSchema = z.enum(BADGES);

/** Network address settings shared by the remote backends. */
export const httpUrlSchema = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
