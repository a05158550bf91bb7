// pool: at most `limit` calls in flight, every item's outcome in item order, failures collected
// without stopping the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { pool } from '../../src/rollout/pool.js';

test('never more than limit at once, and every slot used when there is work', async () => {
  for (const limit of [1, 3, 8]) {
    let running = 0;
    let most = 0;
    const out = await pool([5, 1, 4, 2, 3, 0, 6, 2], limit, async (ms) => {
      running++;
      most = Math.max(most, running);
      await sleep(ms * 3);
      running--;
      return ms * 10;
    });
    assert.equal(most, limit, `limit ${limit}`);
    assert.deepEqual(out, [50, 10, 40, 20, 30, 0, 60, 20].map((value) => ({ status: 'fulfilled', value })), `limit ${limit}`);
  }
});

test('a failure is collected in its place; the other items still run', async () => {
  const seen: string[] = [];
  const boom = new Error('h2 unreachable');
  const out = await pool(['h1', 'h2', 'h3', 'h4'], 2, async (h) => {
    seen.push(h);
    if (h === 'h2') throw boom;
    return h.toUpperCase();
  });
  assert.deepEqual(seen.sort(), ['h1', 'h2', 'h3', 'h4']);
  assert.deepEqual(out, [
    { status: 'fulfilled', value: 'H1' },
    { status: 'rejected', reason: boom },
    { status: 'fulfilled', value: 'H3' },
    { status: 'fulfilled', value: 'H4' },
  ]);
});

test('a limit above the number of items, and no items at all', async () => {
  assert.deepEqual(await pool([1], 32, async (n) => n), [{ status: 'fulfilled', value: 1 }]);
  assert.deepEqual(await pool([], 4, async () => assert.fail('called')), []);
});
