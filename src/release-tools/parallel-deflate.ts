// Deflate on every core: the stream is cut into fixed-size blocks (boundaries depend only on the
// byte offset, so the output is deterministic), each block is deflated on its own in the libuv
// threadpool, primed with the previous block's last 32 KiB as dictionary (as pigz does, so the
// ratio stays that of one stream), and ends with a sync flush, which leaves it byte-aligned and
// not final. The blocks, in order, form one raw deflate stream; the caller ends it with
// FINAL_EMPTY_BLOCK. The CRC-32 and length of the uncompressed data are kept for the gzip trailer.
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { constants as zc, crc32, deflateRaw } from 'node:zlib';

const deflateRawAsync = promisify(deflateRaw) as (buf: Buffer, opts: object) => Promise<Buffer>;

/** An empty final fixed-Huffman block (BFINAL=1, BTYPE=01, end-of-block): ends a raw deflate stream. */
export const FINAL_EMPTY_BLOCK: Buffer = Buffer.from([0x03, 0x00]);

const WINDOW = 32 * 1024;

export class ParallelDeflate extends Transform {
  /** CRC-32 of everything written so far. */
  crc = 0;
  /** Uncompressed bytes written so far. */
  bytes = 0;
  private parts: Buffer[] = [];
  private held = 0;
  private inflight: Promise<Buffer>[] = [];
  private dictionary: Buffer | null = null;

  constructor(
    private readonly level: number,
    private readonly blockSize = 1 << 20,
    /** Blocks deflated at once: one per core plus one queued keeps every core busy. */
    private readonly depth = 3,
  ) {
    super({ readableHighWaterMark: 1 << 20 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.parts.push(chunk);
    this.held += chunk.length;
    this.pump(false).then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    this.pump(true).then(() => cb(), cb);
  }

  private async pump(last: boolean): Promise<void> {
    while (this.held >= this.blockSize || (last && this.held > 0)) {
      const all = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.held);
      const n = Math.min(this.blockSize, all.length);
      const block = all.subarray(0, n);
      const rest = all.subarray(n);
      this.parts = rest.length > 0 ? [rest] : [];
      this.held = rest.length;
      this.dispatch(block);
      if (this.inflight.length >= this.depth) this.push(await this.inflight.shift()!);
    }
    if (last) while (this.inflight.length > 0) this.push(await this.inflight.shift()!);
  }

  private dispatch(block: Buffer): void {
    this.crc = crc32(block, this.crc);
    this.bytes += block.length;
    const opts: Record<string, unknown> = { level: this.level, finishFlush: zc.Z_SYNC_FLUSH };
    if (this.dictionary) opts.dictionary = this.dictionary;
    this.dictionary = Buffer.from(block.subarray(Math.max(0, block.length - WINDOW)));
    const p = deflateRawAsync(block, opts);
    p.catch(() => undefined);
    this.inflight.push(p);
  }
}
