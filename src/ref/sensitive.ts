import type { Scheme } from './types.js';

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

/** @internal The hint for a rejected credential or address: where that setting belongs instead. */
export function addressHint(scheme: Scheme): string {
  const base = 'Refs never carry credentials or server addresses';
  // env and file have no backend settings to point to.
  return scheme === 'env' || scheme === 'file'
    ? base
    : `${base}: set those in the backend configuration (backends.${scheme})`;
}
