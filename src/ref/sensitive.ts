/**
 * Query keys that would put a credential or a server address into a ref (aesthetics G4). Compared after
 * lower-casing and dropping `-`/`_`, so `secret_id`, `secret-id` and `secretId` are one entry.
 */
const SENSITIVE = new Set([
  // credentials
  'token',
  'accesstoken',
  'sessiontoken',
  'bearer',
  'auth',
  'authorization',
  'password',
  'passwd',
  'pass',
  'pwd',
  'secret',
  'secretid',
  'secretkey',
  'secretaccesskey',
  'clientsecret',
  'key',
  'apikey',
  'accesskey',
  'accesskeyid',
  'privatekey',
  'credential',
  'credentials',
  'roleid',
  'user',
  'username',
  // server addresses
  'address',
  'addr',
  'endpoint',
  'url',
  'uri',
  'host',
  'hostname',
  'server',
  'port',
]);

/** @internal */
export function isSensitiveParam(name: string): boolean {
  return SENSITIVE.has(name.toLowerCase().replaceAll(/[-_]/g, ''));
}
