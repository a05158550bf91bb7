import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genParams, parseOptions } from '../../../scripts/bench/options.js';

test('options: defaults, --quick, --rounds, bad values refused', () => {
  assert.equal(parseOptions([]).rounds, 5);
  const q = parseOptions(['--quick', '--out', 'r.json']);
  assert.equal(q.rounds, 1);
  assert.equal(q.out, 'r.json');
  assert.equal(parseOptions(['--rounds', '3']).rounds, 3);
  assert.throws(() => parseOptions(['--rounds', '0']), /integer/);
  assert.throws(() => parseOptions(['--bogus']), /unknown option/);
  assert.ok(genParams(true).gzBytes < genParams(false).gzBytes);
});

test('options: --rt asks for real-time priority, off by default', () => {
  assert.equal(parseOptions([]).rt, false);
  assert.equal(parseOptions(['--rt']).rt, true);
});
