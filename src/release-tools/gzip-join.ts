// One gzip member made of independently compressed raw-deflate parts: the small head (the two
// versioned scripts, known only at the end of the pass) and the body's blocks (spooled while
// streaming, parallel-deflate.ts). Each part ends with Z_SYNC_FLUSH (byte-aligned, not final) so
// the next can follow directly; the body never refers back into the head, so the joined stream
// inflates as one, and the trailer's CRC is combined from the parts'.
// A single member keeps every reader happy (erl_tar, gzip, bsdtar, node), unlike concatenated members.

/** Fixed header: no name, mtime 0, XFL 0, OS 3 (Unix), whatever the host or the level. */
export const GZIP_HEADER: Buffer = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);


const POLY = 0xedb88320;

/** (a * b) modulo the CRC-32 polynomial, both in reflected bit order. */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

// X2N[k] = x^(2^k) modulo the polynomial; x^1 is 0x40000000 in reflected order.
const X2N: number[] = [];
{
  let p = 0x40000000;
  for (let k = 0; k < 64; k++) {
    X2N.push(p);
    p = multModP(p, p);
  }
}

/** x^(8 * bytes) modulo the polynomial: the shift of a CRC over `bytes` more zero bytes. */
function shiftFor(bytes: number): number {
  let p = 0x80000000; // x^0
  let k = 3; // 8 = 2^3 bits per byte
  let n = bytes;
  while (n > 0) {
    if (n % 2 === 1) p = multModP(X2N[k % 64]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** CRC-32 of A followed by B, from crc(A), crc(B) and the length of B (as zlib's crc32_combine). */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(shiftFor(lengthB), crcA >>> 0) ^ crcB) >>> 0;
}

/** The 8-byte trailer: CRC-32 and length modulo 2^32, little-endian. */
export function gzipTrailer(crc: number, length: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(crc >>> 0, 0);
  b.writeUInt32LE(length % 0x100000000, 4);
  return b;
}
