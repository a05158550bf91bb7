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
  it('an empty final block is what zlib writes to finish', () => {
    assert.deepEqual(deflateRawSync(Buffer.alloc(0)), FINAL_EMPTY_BLOCK);
  });

  async function deflateInBlocks(data: Buffer, blockSize: number, chunk: number): Promise<{ out: Buffer; crc: number; bytes: number }> {
    const d = new ParallelDeflate(6, blockSize, 3);
    const parts: Buffer[] = [];
    for (let i = 0; i < data.length; i += chunk) parts.push(data.subarray(i, i + chunk));
    const out = await buffer(Readable.from(parts).pipe(d));
    return { out, crc: d.crc, bytes: d.bytes };
  }

  it('parallel blocks plus a sync-flushed head inflate as one gzip member', async () => {
    const text = Buffer.from('gen_server:call(Pid, {subscribe, Topic}) -> ok;\n'.repeat(40000));
    const data = Buffer.concat([text, randomBytes(300000), text.subarray(0, 99999)]);
    const head = Buffer.from('the head part, compressed separately\n'.repeat(50));
    for (const [blockSize, chunk] of [
      [1 << 20, 65536],
      [40000, 777],
      [4096, 100000],
    ] as const) {
      const body = await deflateInBlocks(data, blockSize, chunk);
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

  it('is deterministic whatever the write sizes, and primes each block so the ratio holds', async () => {
    const text = Buffer.from('lists:foldl(fun(X, Acc) -> [X | Acc] end, [], L),\n'.repeat(100000));
    const a = await deflateInBlocks(text, 65536, 1000);
    const b = await deflateInBlocks(text, 65536, 123457);
    assert.ok(a.out.equals(b.out));
    const unprimed = Buffer.concat(Array.from({ length: Math.ceil(text.length / 65536) }, (_, i) => deflateRawSync(text.subarray(i * 65536, (i + 1) * 65536), { finishFlush: zc.Z_SYNC_FLUSH })));
    assert.ok(a.out.length < unprimed.length, `${a.out.length} < ${unprimed.length}`);
  });
});
