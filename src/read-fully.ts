import { readSync } from 'node:fs';

/**
 * @internal Fills `buffer` from the start of the open file `fd`, reading at explicit positions (one `read` may return
 * less than asked); returns how many bytes it holds, fewer when the file ends first.
 */
export function readFullySync(fd: number, buffer: Uint8Array): number {
  let length = 0;
  while (length < buffer.byteLength) {
    const read = readSync(fd, buffer, length, buffer.byteLength - length, length);
    if (read === 0) {
      break;
    }
    length += read;
  }
  return length;
}
