import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incompressibleShare, textChunks } from '../../../scripts/bench/content.js';

test('incompressible share reproduces the overall ratio', () => {
  const f = incompressibleShare(2.75, 4);
  assert.ok(Math.abs(1 / (f + (1 - f) / 4) - 2.75) < 1e-9);
});

test('text chunks wrap around the pool and add up to the size', () => {
  const pool = Buffer.from('abcdefghij');
  const out = Buffer.concat([...textChunks(pool, 'some/file', 25)]);
  assert.equal(out.length, 25);
  assert.ok(pool.toString().repeat(4).includes(out.toString()));
});
