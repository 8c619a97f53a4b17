import type { Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { BrokerError } from '../errors.js';

/** @internal Identifiers for the errors of one read. */
export interface ReadMeta {
  readonly backend: string;
  readonly operation: string;
  readonly ref: string;
}

/** @internal A ref's path, relative to the config's directory unless absolute. */
export function refPath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/**
 * @internal Open a local secret file for reading: it must exist, be a regular file (symbolic links are followed,
 * as mounted secrets such as Kubernetes' `..data` links need) and be no larger than `maxBytes`.
 * The caller closes the handle.
 */
export async function openSecretFile(
  path: string,
  maxBytes: number,
  meta: ReadMeta
): Promise<{ readonly handle: FileHandle; readonly stat: Stats }> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw code === 'ENOENT'
      ? new BrokerError('NOT_FOUND', `${path} does not exist`, { ...meta, cause })
      : new BrokerError('DENIED', `${path} cannot be opened (${code ?? 'error'})`, { ...meta, cause });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new BrokerError('UNSUPPORTED', `${path} is not a regular file`, meta);
    }
    if (stat.size > maxBytes) {
      throw new BrokerError('TOO_LARGE', `${path} has ${stat.size} bytes, more than the limit of ${maxBytes}`, {
        ...meta,
        hint: `Raise backends.${meta.backend}.maxBytes if this file is meant to be that large`,
      });
    }
    return { handle, stat };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** @internal {@link openSecretFile}, read whole, closed. */
export async function readSecretFile(
  path: string,
  maxBytes: number,
  meta: ReadMeta,
  signal: AbortSignal
): Promise<Uint8Array> {
  const { handle } = await openSecretFile(path, maxBytes, meta);
  try {
    return new Uint8Array(await handle.readFile({ signal }));
  } finally {
    await handle.close();
  }
}
