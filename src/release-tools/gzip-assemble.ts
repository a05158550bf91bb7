// The package's one gzip member, put together at the end of pack: a fixed header, the head
// (the scripts) deflated with a sync flush, the spool's deflate blocks copied as they are, a final
// empty block, and a trailer whose CRC combines both parts.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { constants as zc, crc32, deflateRawSync } from 'node:zlib';
import { fromFsError } from '../errors.js';
import { crc32Combine, GZIP_HEADER, gzipTrailer } from './gzip-join.js';
import { READ_CHUNK } from './input.js';
import { FINAL_EMPTY_BLOCK } from './parallel-deflate.js';

/**
 * Writes header + deflated head + the spool's deflate blocks + final block + combined trailer to
 * `tmpPath`, fsyncs it, and returns the sha256 of the bytes written.
 */
export async function assemble(tmpPath: string, spoolPath: string, headRaw: Buffer, body: { crc: number; bytes: number }, level: number, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  let out;
  let spool;
  try {
    spool = await open(spoolPath, 'r');
    out = await open(tmpPath, 'wx', 0o644);
  } catch (e) {
    await spool?.close();
    throw fromFsError(e, tmpPath, 'writing the package');
  }
  try {
    const end = (await spool.stat()).size;
    const headDeflated = deflateRawSync(headRaw, { level, finishFlush: zc.Z_SYNC_FLUSH });
    const write = async (b: Buffer): Promise<void> => {
      hash.update(b);
      let off = 0;
      while (off < b.length) off += (await out.write(b, off, b.length - off)).bytesWritten;
    };
    await write(Buffer.concat([GZIP_HEADER, headDeflated]));
    // Copy the spool, reading the next chunk while the last one is written.
    let pos = 0;
    const readAt = async (p: number): Promise<Buffer> => {
      const b = Buffer.allocUnsafe(Math.min(READ_CHUNK, end - p));
      const { bytesRead } = await spool.read(b, 0, b.length, p);
      if (bytesRead !== b.length) throw new Error('short read of the spool');
      return b;
    };
    let next = pos < end ? readAt(pos) : null;
    while (next) {
      signal?.throwIfAborted();
      const chunk = await next;
      pos += chunk.length;
      next = pos < end ? readAt(pos) : null;
      await write(chunk);
    }
    const crc = crc32Combine(crc32(headRaw), body.crc, body.bytes);
    await write(Buffer.concat([FINAL_EMPTY_BLOCK, gzipTrailer(crc, headRaw.length + body.bytes)]));
    await out.sync();
  } catch (e) {
    if (signal?.aborted) throw e;
    throw fromFsError(e, tmpPath, 'writing the package');
  } finally {
    await out.close();
    await spool.close();
  }
  return hash.digest('hex');
}
