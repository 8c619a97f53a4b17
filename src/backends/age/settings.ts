import * as z from 'zod/mini';

/** @public `backends.age`: age and agenix files. */
export const ageSettingsSchema = z.strictObject({
  /**
   * Identity files tried first, relative to the config dir: age identity files (`AGE-SECRET-KEY-1…` lines) or
   * SSH private keys (ssh-ed25519, ssh-rsa). Then `~/.ssh/id_ed25519`, `~/.ssh/id_rsa` and the host's
   * `/etc/ssh/ssh_host_{ed25519,rsa}_key`, as agenix does.
   */
  identities: z.optional(z.array(z.string().check(z.minLength(1)))),
  /** Name of the environment variable holding the passphrase of passphrase-encrypted (`age -p`) files. */
  passphraseEnv: z.optional(
    z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name like AGE_PASSPHRASE'))
  ),
  /** Refuse files larger than this many bytes. @default 1048576 (1 MiB) */
  maxBytes: z.optional(z.int().check(z.positive())),
});

/** @public */
export type AgeSettings = z.infer<typeof ageSettingsSchema>;
