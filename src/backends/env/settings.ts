import { z } from 'zod';

/** @public `backends.env`: pass-through of the resolving process's environment. */
export const envSettingsSchema = z.strictObject({});
