// ParallelDeflate: blocks deflated apart, each primed with the one before, form one raw deflate
// stream that inflates to the input; the output depends on the data only, never on write sizes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { constants as zc, crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { FINAL_EMPTY_BLOCK, ParallelDeflate } from '../../src/release-tools/parallel-deflate.js';

describe('ParallelDeflate', () => {
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

  it('is deterministic whatever the write sizes, and primes each block so the ratio holds', async () => {
    const text = Buffer.from('lists:foldl(fun(X, Acc) -> [X | Acc] end, [], L),\n'.repeat(100000));
    const a = await deflateInBlocks(text, 65536, 1000);
    const b = await deflateInBlocks(text, 65536, 123457);
    assert.ok(a.out.equals(b.out));
    const unprimed = Buffer.concat(Array.from({ length: Math.ceil(text.length / 65536) }, (_, i) => deflateRawSync(text.subarray(i * 65536, (i + 1) * 65536), { finishFlush: zc.Z_SYNC_FLUSH })));
    assert.ok(a.out.length < unprimed.length, `${a.out.length} < ${unprimed.length}`);
  });
  it('ends unfinished: the blocks inflate to the input once FINAL_EMPTY_BLOCK is added, and keep CRC and length', async () => {
    const data = Buffer.concat([randomBytes(70000), Buffer.alloc(200000, 'x')]);
    const d = await deflateInBlocks(data, 65536, 5000);
    assert.ok(inflateRawSync(Buffer.concat([d.out, FINAL_EMPTY_BLOCK])).equals(data));
    assert.throws(() => inflateRawSync(d.out, { finishFlush: zc.Z_FINISH }), /unexpected end of file/, 'not final without it');
    assert.deepEqual([d.crc, d.bytes], [crc32(data), data.length]);
    const none = await deflateInBlocks(Buffer.alloc(0), 65536, 1);
    assert.deepEqual([none.out.length, none.crc, none.bytes], [0, 0, 0]);
  });
});
