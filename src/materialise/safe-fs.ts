import type { Dirent, Stats } from 'node:fs';
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fdatasyncSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmdirSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { readFullySync } from '../read-fully.js';
import { errnoCode, materialiseError } from './materialise-error.js';

// Absent on Windows; there the exclusive create still refuses an existing path.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const ZERO_CHUNK = 64 * 1024;

/** @internal Creates `path` as a 0700 directory; fails if anything already exists there. */
export function mkdirPrivateSync(path: string): void {
  try {
    mkdirSync(path, { mode: 0o700 });
    // The umask only narrows 0700, but a umask that drops owner bits would leave us a dir we cannot use.
    // Nobody else can swap the entry between these calls: the parent is ours, or sticky, or 0700.
    if ((lstatSync(path).mode & 0o7777) !== 0o700) {
      chmodSync(path, 0o700);
    }
  } catch (error) {
    throw materialiseError(
      'create directory',
      `cannot create ${path} (${errnoCode(error) ?? 'unknown error'})`,
      'Check that the scratch base directory is writable and has free space',
      error
    );
  }
}

/**
 * @internal Creates `path` as a new 0600 file holding `data`. Exclusive create with no-follow: a file or
 * symbolic link already at `path` is an error and is left untouched; the mode is set at open, not after.
 */
export function writeExclusiveFileSync(path: string, data: Uint8Array): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | O_NOFOLLOW, 0o600);
  } catch (error) {
    throw openFailure(path, error);
  }
  try {
    // 0600 & ~umask can only lose bits; a umask such as 0400 would leave the owner unable to read it back.
    if ((fstatSync(fd).mode & 0o7777) !== 0o600) {
      fchmodSync(fd, 0o600);
    }
    for (let offset = 0; offset < data.byteLength; ) {
      offset += writeSync(fd, data, offset, data.byteLength - offset);
    }
  } catch (error) {
    closeQuietly(fd);
    removeQuietly(path);
    throw materialiseError(
      'write file',
      `cannot write ${path} (${errnoCode(error) ?? 'unknown error'})`,
      'Check free space in the scratch base directory',
      error
    );
  }
  closeSync(fd);
}

function openFailure(path: string, error: unknown): Error {
  const code = errnoCode(error);
  if (code === 'EEXIST' || code === 'ELOOP') {
    const isLink = safeLstat(path)?.isSymbolicLink() ?? code === 'ELOOP';
    return isLink
      ? materialiseError(
          'write file',
          `${path} is a symbolic link; refusing to follow it`,
          'Something planted a link in the private scratch directory: check which processes can write there',
          error
        )
      : materialiseError(
          'write file',
          `${path} already exists; refusing to overwrite it`,
          'Write each file name once per task',
          error
        );
  }
  if (code === 'ENOENT') {
    return materialiseError(
      'write file',
      `${dirname(path)} no longer exists`,
      'The task directory was wiped; create a new task directory',
      error
    );
  }
  return materialiseError('write file', `cannot create ${path} (${code ?? 'unknown error'})`, undefined, error);
}

/**
 * @internal Removes `path` and everything under it without following symbolic links (a link is unlinked, its
 * target untouched). Regular files are overwritten with zeros first, unless they have another name (a hard link):
 * best effort, as journaling and copy-on-write filesystems may keep old blocks, which is why tmpfs is preferred. A
 * missing path is not an error.
 */
export function wipeTreeSync(path: string): void {
  const stat = safeLstat(path);
  if (stat === undefined) {
    return;
  }
  if (!stat.isDirectory()) {
    if (stat.isFile()) {
      zeroFileSync(path);
    }
    unlinkIfPresent(path);
    return;
  }
  for (let attempt = 0; ; attempt++) {
    emptyDirectorySync(path);
    try {
      rmdirSync(path);
      return;
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT') {
        return;
      }
      // Someone added an entry after we listed the directory: list and empty it once more.
      if (code !== 'ENOTEMPTY' || attempt >= 2) {
        throw materialiseError('wipe', `cannot remove ${path} (${code ?? 'unknown error'})`, undefined, error);
      }
    }
  }
}

function emptyDirectorySync(path: string): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') {
      return;
    }
    throw materialiseError('wipe', `cannot list ${path} (${errnoCode(error) ?? 'unknown error'})`, undefined, error);
  }
  for (const entry of entries) {
    const child = join(path, entry.name);
    // Dirent types come from lstat semantics: a symbolic link to a directory is a link, not a directory.
    if (entry.isDirectory()) {
      wipeTreeSync(child);
    } else {
      if (entry.isFile()) {
        zeroFileSync(child);
      }
      unlinkIfPresent(child);
    }
  }
}

function zeroFileSync(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | O_NOFOLLOW);
  } catch {
    return;
  }
  try {
    const stat = fstatSync(fd);
    // A file with another name is not ours alone: a test may have put a hard link to one of the user's files here
    // (same filesystem, e.g. /tmp in a CI container), and zeroing it would zero theirs. Its name here is only unlinked.
    if (!stat.isFile() || stat.nlink > 1) {
      return;
    }
    const zeros = new Uint8Array(Math.min(ZERO_CHUNK, stat.size));
    for (let offset = 0; offset < stat.size; ) {
      offset += writeSync(fd, zeros, 0, Math.min(zeros.byteLength, stat.size - offset), offset);
    }
    // Without a flush the zeros could be dropped with the unlinked inode while old blocks stay on disk.
    fdatasyncSync(fd);
  } catch {
    // Best effort: the unlink that follows is what matters.
  } finally {
    closeQuietly(fd);
  }
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') {
      throw materialiseError(
        'wipe',
        `cannot remove ${path} (${errnoCode(error) ?? 'unknown error'})`,
        undefined,
        error
      );
    }
  }
}

/**
 * @internal Reads a small regular file without following a link at `path`. Undefined when it is missing,
 * not a regular file, larger than `maxBytes`, or unreadable.
 */
export function readSmallFileSync(path: string, maxBytes: number): string | undefined {
  return readSmallFileBytesSync(path, maxBytes)?.toString('utf8');
}

/** @internal {@link readSmallFileSync}, as bytes. */
export function readSmallFileBytesSync(path: string, maxBytes: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > maxBytes) {
      return undefined;
    }
    const buffer = Buffer.alloc(stat.size);
    return buffer.subarray(0, readFullySync(fd, buffer));
  } catch {
    return undefined;
  } finally {
    closeQuietly(fd);
  }
}

/** @internal lstat that returns undefined for a missing path. */
export function safeLstat(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed or invalid: nothing left to release.
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // The partial file may already be gone.
  }
}
