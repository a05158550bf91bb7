import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planRollout } from '../../src/rollout/plan.js';

const hosts = (spec: string) =>
  spec.split(' ').map((s) => ({ dest: s.replace('*', ''), running: s.endsWith('*') ? '5.0.1' : '5.0.0', atTarget: s.endsWith('*') }));

describe('planRollout', () => {
  it('puts a canary first, then batches of N in inventory order', () => {
    assert.deepEqual(planRollout({ hosts: hosts('a b c d e f'), recorded: {}, batch: 2 }), {
      skip: [],
      batches: [['a'], ['b', 'c'], ['d', 'e'], ['f']],
      canary: true,
    });
    assert.deepEqual(planRollout({ hosts: hosts('a b c'), recorded: {}, batch: 1 }).batches, [['a'], ['b'], ['c']]);
    assert.deepEqual(planRollout({ hosts: hosts('a b c'), recorded: {}, batch: 10 }).batches, [['a'], ['b', 'c']]);
  });

  it('skips hosts already at the target and takes the first remaining one as canary', () => {
    assert.deepEqual(planRollout({ hosts: hosts('a* b c* d'), recorded: {}, batch: 3 }), { skip: ['a', 'c'], batches: [['b'], ['d']], canary: true });
  });

  it('resumes without a new canary once a host of this rollout passed its gate', () => {
    const p = planRollout({ hosts: hosts('a* b c d'), recorded: { a: 'done', b: 'failed' }, batch: 2 });
    assert.deepEqual(p, { skip: ['a'], batches: [['b', 'c'], ['d']], canary: false });
  });

  it('keeps a canary when the earlier run never got a host through', () => {
    const p = planRollout({ hosts: hosts('a b c'), recorded: { a: 'failed', b: 'pending' }, batch: 2 });
    assert.deepEqual(p, { skip: [], batches: [['a'], ['b', 'c']], canary: true });
  });

  it('has nothing to do when every host is at the target', () => {
    assert.deepEqual(planRollout({ hosts: hosts('a* b*'), recorded: {}, batch: 1 }), { skip: ['a', 'b'], batches: [], canary: false });
  });

  it('refuses a batch size that is not a positive integer', () => {
    for (const batch of [0, -1, 1.5, NaN]) assert.throws(() => planRollout({ hosts: hosts('a'), recorded: {}, batch }), RangeError);
  });
});
