import type { Backend } from '../../contract/backend.js';
import { formatRef } from '../../ref/index.js';
import { SecretValue } from '../../scrub/secret-value.js';
import { readSecretFile, refPath } from '../secret-file.js';

const DEFAULT_MAX_BYTES = 1024 * 1024;

/** @public `file:path` — a plain file's contents, exactly as stored, path relative to the config. */
export function createFileBackend(settings: { readonly maxBytes?: number } = {}): Backend<'file'> {
  const maxBytes = settings.maxBytes ?? DEFAULT_MAX_BYTES;
  return {
    scheme: 'file',
    async fetch(ref, ctx) {
      const display = formatRef(ref);
      const meta = { backend: 'file', operation: 'read', ref: display } as const;
      const bytes = await readSecretFile(refPath(ref.path, ctx.baseDir), maxBytes, meta, ctx.signal);
      return { text: new SecretValue(Buffer.from(bytes).toString('utf8'), display) };
    },
  };
}
