import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Backend } from '../../backend/types.js';
import { BrokerError } from '../../errors.js';
import { formatRef } from '../../ref/index.js';
import { SecretValue } from '../../scrub/secret-value.js';

const DEFAULT_MAX_BYTES = 1024 * 1024;

/** @public `file:path` — a plain file's contents, path relative to the config. */
export function createFileBackend(settings: { readonly maxBytes?: number } = {}): Backend<'file'> {
  const maxBytes = settings.maxBytes ?? DEFAULT_MAX_BYTES;
  return {
    scheme: 'file',
    async fetch(ref, ctx) {
      const path = isAbsolute(ref.path) ? ref.path : resolve(ctx.baseDir, ref.path);
      const meta = { backend: 'file', operation: 'read', ref: formatRef(ref) } as const;
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        const reason =
          code === 'ENOENT'
            ? `${path} does not exist`
            : code === 'ELOOP'
              ? `${path} is a symbolic link, which is not followed`
              : `${path} cannot be opened (${code ?? 'error'})`;
        throw new BrokerError(code === 'ENOENT' ? 'NOT_FOUND' : 'DENIED', reason, { ...meta, cause });
      }
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) {
          throw new BrokerError('UNSUPPORTED', `${path} is not a regular file`, meta);
        }
        if (stat.size > maxBytes) {
          throw new BrokerError('TOO_LARGE', `${path} has ${stat.size} bytes, more than the limit of ${maxBytes}`, {
            ...meta,
            hint: 'Raise backends.file.maxBytes if this is intended',
          });
        }
        const text = await handle.readFile({ encoding: 'utf8', signal: ctx.signal });
        return { text: new SecretValue(text, formatRef(ref)) };
      } finally {
        await handle.close();
      }
    },
  };
}
