import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planRollout } from '../../src/rollout/plan.js';

const hosts = (spec: string) =>
  spec.split(' ').map((s) => ({ dest: s.replace('*', ''), running: s.endsWith('*') ? '5.0.1' : '5.0.0', atTarget: s.endsWith('*') }));

describe('planRollout', () => {
  it('puts a canary first, then batches of N in inventory order', () => {
    assert.deepEqual(planRollout({ hosts: hosts('a b c d e f'), recorded: {}, batch: 2 }), {
      skip: [],
      regate: [],
      batches: [['a'], ['b', 'c'], ['d', 'e'], ['f']],
      canary: true,
    });
    assert.deepEqual(planRollout({ hosts: hosts('a b c'), recorded: {}, batch: 1 }).batches, [['a'], ['b'], ['c']]);
    assert.deepEqual(planRollout({ hosts: hosts('a b c'), recorded: {}, batch: 10 }).batches, [['a'], ['b', 'c']]);
  });

  it('skips hosts already at the target and takes the first remaining one as canary', () => {
    assert.deepEqual(planRollout({ hosts: hosts('a* b c* d'), recorded: {}, batch: 3 }), { skip: ['a', 'c'], regate: [], batches: [['b'], ['d']], canary: true });
  });

  it('resumes without a new canary once a host of this rollout passed its gate', () => {
    const p = planRollout({ hosts: hosts('a* b c d'), recorded: { a: 'done', b: 'failed' }, batch: 2 });
    assert.deepEqual(p, { skip: ['a'], regate: [], batches: [['b', 'c'], ['d']], canary: false });
  });

  it('keeps a canary when the earlier run never got a host through', () => {
    const p = planRollout({ hosts: hosts('a b c'), recorded: { a: 'failed', b: 'pending' }, batch: 2 });
    assert.deepEqual(p, { skip: [], regate: [], batches: [['a'], ['b', 'c']], canary: true });
  });

  it('gates again, first and instead of a canary, a host at the target whose gate failed or never reported back', () => {
    // b's --check failed after its upgrade; d's upgrade was cut off; both now run the target.
    const p = planRollout({ hosts: hosts('a b* c d*'), recorded: { a: 'pending', b: 'failed', c: 'pending', d: 'upgrading' }, batch: 2 });
    assert.deepEqual(p, { skip: [], regate: ['b', 'd'], batches: [['a', 'c']], canary: false });
    // A failed host that is not at the target is upgraded again, and a done one stays skipped.
    const q = planRollout({ hosts: hosts('a* b c'), recorded: { a: 'done', b: 'failed', c: 'pending' }, batch: 1 });
    assert.deepEqual(q, { skip: ['a'], regate: [], batches: [['b'], ['c']], canary: false });
    // At the target but recorded pending (upgraded by someone else): skipped, not ours to gate.
    assert.deepEqual(planRollout({ hosts: hosts('a* b'), recorded: { a: 'pending', b: 'pending' }, batch: 1 }), { skip: ['a'], regate: [], batches: [['b']], canary: true });
  });

  it('has nothing to do when every host is at the target', () => {
    assert.deepEqual(planRollout({ hosts: hosts('a* b*'), recorded: {}, batch: 1 }), { skip: ['a', 'b'], regate: [], batches: [], canary: false });
  });

  it('refuses a batch size that is not a positive integer', () => {
    for (const batch of [0, -1, 1.5, NaN]) assert.throws(() => planRollout({ hosts: hosts('a'), recorded: {}, batch }), RangeError);
  });
});
