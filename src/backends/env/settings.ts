import * as z from 'zod/mini';

/** @public `backends.env`: pass-through of the resolving process's environment. */
export const envSettingsSchema = z.strictObject({});
