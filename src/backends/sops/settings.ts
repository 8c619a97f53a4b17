import * as z from 'zod/mini';

/** @public `backends.sops`: sops files, decrypted natively with age identities. */
export const sopsSettingsSchema = z.strictObject({
  /**
   * age identity files tried first, relative to the config dir: age identity files (`AGE-SECRET-KEY-1…` lines)
   * or SSH private keys (ssh-ed25519, ssh-rsa). Then the places sops itself looks: `SOPS_AGE_SSH_PRIVATE_KEY_FILE`,
   * `~/.ssh/id_ed25519`, `~/.ssh/id_rsa`, `SOPS_AGE_KEY`, `SOPS_AGE_KEY_FILE`, `<user config dir>/sops/age/keys.txt`.
   */
  identities: z.optional(z.array(z.string().check(z.minLength(1)))),
  /** Accept files without a MAC, as `sops --ignore-mac` would. A MAC that does not match is refused regardless. @default false */
  allowNoMac: z.optional(z.boolean()),
  /** Refuse files larger than this many bytes. @default 4194304 (4 MiB) */
  maxBytes: z.optional(z.int().check(z.positive())),
});

/** @public */
export type SopsSettings = z.infer<typeof sopsSettingsSchema>;
