import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { constants as zc, crc32, deflateRawSync, gunzipSync } from 'node:zlib';
import { crc32Combine, GZIP_HEADER, gzipTrailer } from '../../src/release-tools/gzip-join.js';
import { FINAL_EMPTY_BLOCK, ParallelDeflate } from '../../src/release-tools/parallel-deflate.js';

describe('crc32Combine', () => {
  it('equals the CRC of the concatenation', () => {
    for (const [la, lb] of [
      [0, 0],
      [0, 5],
      [7, 0],
      [1, 1],
      [100, 3000],
      [65536, 70001],
      [1, 1 << 20],
    ] as const) {
      const a = randomBytes(la);
      const b = randomBytes(lb);
      assert.equal(crc32Combine(crc32(a), crc32(b), b.length), crc32(Buffer.concat([a, b])), `${la}+${lb}`);
    }
  });
});

describe('joined gzip parts', () => {
  it('parallel blocks plus a sync-flushed head inflate as one gzip member', async () => {
    const text = Buffer.from('gen_server:call(Pid, {subscribe, Topic}) -> ok;\n'.repeat(40000));
    const data = Buffer.concat([text, randomBytes(300000), text.subarray(0, 99999)]);
    const head = Buffer.from('the head part, compressed separately\n'.repeat(50));
    for (const [blockSize, chunk] of [
      [1 << 20, 65536],
      [40000, 777],
      [4096, 100000],
    ] as const) {
      const d = new ParallelDeflate(6, blockSize, 3);
      const parts = Array.from({ length: Math.ceil(data.length / chunk) }, (_, i) => data.subarray(i * chunk, (i + 1) * chunk));
      const body = { out: await buffer(Readable.from(parts).pipe(d)), crc: d.crc, bytes: d.bytes };
      assert.equal(body.bytes, data.length);
      assert.equal(body.crc, crc32(data));
      const gz = Buffer.concat([
        GZIP_HEADER,
        deflateRawSync(head, { finishFlush: zc.Z_SYNC_FLUSH }),
        body.out,
        FINAL_EMPTY_BLOCK,
        gzipTrailer(crc32Combine(crc32(head), body.crc, body.bytes), head.length + body.bytes),
      ]);
      assert.ok(gunzipSync(gz).equals(Buffer.concat([head, data])), `block ${blockSize}`);
    }
  });

});
