import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../../src/backends/gcp-sm/crc32c.js';

describe(crc32c.name, () => {
  // RFC 3720 (iSCSI) appendix B.4, and the usual check value of "123456789".
  it.each([
    ['32 bytes of zeros', new Uint8Array(32), 0x8a9136aa],
    ['32 bytes of 0xff', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['32 ascending bytes', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['32 descending bytes', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
    ['"123456789"', new TextEncoder().encode('123456789'), 0xe3069283],
    ['nothing', new Uint8Array(0), 0],
  ])('gives the published value for %s', (_what, bytes, expected) => {
    expect(crc32c(bytes)).toBe(expected);
  });
});
