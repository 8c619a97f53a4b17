import * as z from 'zod/mini';

/** @public `backends.file`: pass-through of plain files. */
export const fileSettingsSchema = z.strictObject({
  /** Refuse files larger than this. @default 1 MiB */
  maxBytes: z.optional(z.int().check(z.positive())),
});
