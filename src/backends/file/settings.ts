import { z } from 'zod';

/** @public `backends.file`: pass-through of plain files. */
export const fileSettingsSchema = z.strictObject({
  /** Refuse files larger than this. @default 1 MiB */
  maxBytes: z.int().positive().optional(),
});
