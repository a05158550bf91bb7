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

test('options: --rollout runs only the rollout part, --rollout-rounds sets its rounds (0 skips it)', () => {
  assert.equal(parseOptions([]).rolloutOnly, false);
  assert.equal(parseOptions([]).rolloutRounds, 3);
  assert.equal(parseOptions(['--quick']).rolloutRounds, 1);
  const r = parseOptions(['--rollout', '--quick']);
  assert.equal(r.rolloutOnly, true);
  assert.equal(r.rolloutRounds, 1);
  assert.equal(parseOptions(['--rollout-rounds', '0']).rolloutRounds, 0);
  assert.throws(() => parseOptions(['--rollout', '--rollout-rounds', '0']), /measure nothing/);
  assert.throws(() => parseOptions(['--rollout-rounds', '-1']), /integer >= 0/);
});
