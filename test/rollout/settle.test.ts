import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RelupError } from '../../src/errors.js';
import { settle } from '../../src/rollout/settle.js';

test('settle: successes by host, failures in host order as typed errors, the first of them', () => {
  const locked = new RelupError('LOCKED', 'h2: locked');
  const s = settle(['h1', 'h2', 'h3', 'h4'], [
    { status: 'fulfilled', value: 1 },
    { status: 'rejected', reason: locked },
    { status: 'rejected', reason: new TypeError('boom') },
    { status: 'fulfilled', value: 4 },
  ]);
  assert.deepEqual([...s.ok], [['h1', 1], ['h4', 4]]);
  assert.deepEqual(s.failed.map((f) => [f.dest, f.error.code]), [['h2', 'LOCKED'], ['h3', 'INTERNAL']]);
  assert.equal(s.failed[0]!.error, locked, 'a typed error is kept as it is');
  assert.equal(s.first?.dest, 'h2');
});

test('settle: nothing failed', () => {
  const s = settle(['h1'], [{ status: 'fulfilled', value: 'x' }]);
  assert.deepEqual(s.failed, []);
  assert.equal(s.first, null);
});
