// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum Secret Manager sends as `dataCrc32c`.
// Node has only plain CRC-32 (zlib.crc32); the npm options pull a native addon or AWS's util packages for what is
// a table and a loop over a few kilobytes.
const TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) {
    c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  TABLE[n] = c >>> 0;
}

/** @internal CRC-32C of `bytes`, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
