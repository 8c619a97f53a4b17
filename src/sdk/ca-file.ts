import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { BrokerError } from '../errors.js';

/**
 * @internal Reads a backend's `caFile` — the PEM certificate of a private CA (a self-hosted Vault, a test fake),
 * relative to the config directory. Not a secret: a CA certificate is public, but a wrong path must be named.
 */
export async function readCaFile(
  caFile: string,
  where: { readonly baseDir: string; readonly signal?: AbortSignal },
  meta: { readonly backend: string; readonly operation: string; readonly ref?: string }
): Promise<string> {
  const path = isAbsolute(caFile) ? caFile : resolve(where.baseDir, caFile);
  const hint = 'Point caFile at the PEM certificate of the CA that signs the endpoint, relative to the config';
  let pem: string;
  try {
    pem = await readFile(path, { encoding: 'utf8', ...(where.signal === undefined ? {} : { signal: where.signal }) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new BrokerError('CONFIG_INVALID', `cannot read caFile ${path} (${code})`, { ...meta, hint, cause: error });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new BrokerError('CONFIG_INVALID', `caFile ${path} holds no PEM certificate`, { ...meta, hint });
  }
  return pem;
}
