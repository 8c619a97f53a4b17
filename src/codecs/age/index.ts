/**
 * age decryption for the `age:` and `sops:` backends: binary and armored files, X25519, post-quantum hybrid,
 * ssh-ed25519, ssh-rsa and passphrase identities, and the identity searches of sops and agenix.
 */
export type { DecryptAgeOptions } from './decrypt.js';
export { decryptAge, recipientsOf } from './decrypt.js';
export type { FindIdentitiesOptions, IdentitySearch } from './find.js';
export {
  ENV_SOPS_AGE_KEY,
  ENV_SOPS_AGE_KEY_CMD,
  ENV_SOPS_AGE_KEY_FILE,
  ENV_SOPS_AGE_SSH_PRIVATE_KEY_CMD,
  ENV_SOPS_AGE_SSH_PRIVATE_KEY_FILE,
  findAgenixIdentities,
  findSopsAgeIdentities,
} from './find.js';
export type { AgeIdentity } from './identity.js';
export { loadIdentityFile, parseIdentityFile } from './identity.js';
