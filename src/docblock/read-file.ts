import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { BrokerError } from '../errors.js';
import { type DocblockDeclaration, readCredentialPragmas } from './credentials.js';

/** @internal How much of a test file is read for its leading docblock. */
export const DOCBLOCK_HEAD_BYTES = 1024 * 1024;

/**
 * @internal {@link readCredentialPragmas} on a test file the main process selected, read asynchronously and
 * defensively: the file (after symbolic links) must lie inside one of `roots`, be a regular file — a FIFO is opened
 * non-blocking and refused, never waited on — and only its first {@link DOCBLOCK_HEAD_BYTES} are read.
 * @throws `BrokerError('CONFIG_INVALID')` naming the file and what is wrong with it.
 */
export async function readCredentialPragmasFromTestFile(
  path: string,
  roots: readonly string[],
  maxBytes = DOCBLOCK_HEAD_BYTES
): Promise<DocblockDeclaration[]> {
  return (await readTestFileDocblock(path, roots, maxBytes)).declarations;
}

/** @internal {@link readCredentialPragmasFromTestFile}, with the head it read: errors about an entry name its line. */
export async function readTestFileDocblock(
  path: string,
  roots: readonly string[],
  maxBytes = DOCBLOCK_HEAD_BYTES
): Promise<{ declarations: DocblockDeclaration[]; head: string }> {
  const fail = (reason: string, cause?: unknown) =>
    new BrokerError('CONFIG_INVALID', `${path}: ${reason}`, cause === undefined ? {} : { cause });
  let real: string;
  try {
    real = await realpath(path);
  } catch (cause) {
    throw fail(`cannot read the file to look for @credentials (${errno(cause)})`, cause);
  }
  const inside = async (root: string) => {
    const base = await realpath(root).catch(() => resolve(root));
    const rel = relative(base, real);
    return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
  };
  if (!(await Promise.all(roots.map(inside))).some(Boolean)) {
    throw fail(`is outside the project (${roots.join(', ')}); @credentials are read only from test files inside it`);
  }
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (cause) {
    throw fail(`cannot read the file to look for @credentials (${errno(cause)})`, cause);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw fail('is not a regular file; @credentials are read only from regular test files');
    }
    const head = Buffer.alloc(Math.min(stat.size, maxBytes));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const source = head.subarray(0, bytesRead).toString('utf8');
    if (stat.size > maxBytes && /^\s*\/\*/.test(source) && !source.includes('*/')) {
      throw fail(`its leading comment is longer than ${maxBytes} bytes; keep the @credentials docblock short`);
    }
    return { declarations: readCredentialPragmas(source, path), head: source };
  } finally {
    await handle.close();
  }
}

function errno(cause: unknown): string {
  return (cause as NodeJS.ErrnoException).code ?? 'unknown error';
}
