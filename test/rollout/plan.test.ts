import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchSize, confirmQuestion, limitHosts, needsConfirmation, parseBatch, pausePoint, planRollout, type RolloutPlan as Plan } from '../../src/rollout/plan.js';

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

describe('parseBatch and batchSize', () => {
  it('reads a count or a percentage and refuses anything else', () => {
    const table: [string, ReturnType<typeof parseBatch>][] = [
      ['1', { kind: 'count', n: 1 }],
      ['25', { kind: 'count', n: 25 }],
      [' 3 ', { kind: 'count', n: 3 }],
      ['25%', { kind: 'percent', p: 25 }],
      ['100%', { kind: 'percent', p: 100 }],
      ['1%', { kind: 'percent', p: 1 }],
      ['0', null],
      ['0%', null],
      ['101%', null],
      ['-1', null],
      ['1.5', null],
      ['two', null],
      ['', null],
      ['25 %', null],
      ['%', null],
      ['1e3', null],
      ['0x10', null],
    ];
    for (const [text, want] of table) assert.deepEqual(parseBatch(text), want, text);
  });

  it('sizes a percentage of all hosts in the rollout, rounded down, at least one', () => {
    const table: [string, number, number][] = [
      ['25%', 40, 10],
      ['25%', 10, 2],
      ['25%', 3, 1],
      ['30%', 10, 3],
      ['1%', 5, 1],
      ['100%', 7, 7],
      ['50%', 1, 1],
      ['3', 100, 3],
      ['3', 2, 3],
    ];
    for (const [text, hosts, want] of table) assert.equal(batchSize(parseBatch(text)!, hosts), want, `${text} of ${hosts}`);
  });

  it('plans 25% of 8 hosts as a canary, then batches of two', () => {
    const p = planRollout({ hosts: hosts('a b c d e f g h'), recorded: {}, batch: batchSize(parseBatch('25%')!, 8) });
    assert.deepEqual(p.batches, [['a'], ['b', 'c'], ['d', 'e'], ['f', 'g'], ['h']]);
  });
});

describe('limitHosts', () => {
  const inv = [{ dest: 'a' }, { dest: 'b' }, { dest: 'c' }, { dest: 'd' }];
  it('keeps the named hosts in inventory order and names the unknown ones', () => {
    const table: [string[], string[], string[]][] = [
      [['c', 'a'], ['a', 'c'], []],
      [['d'], ['d'], []],
      [['a', 'x'], ['a'], ['x']],
      [['x', 'y'], [], ['x', 'y']],
    ];
    for (const [names, want, unknown] of table) {
      const r = limitHosts(inv, names);
      assert.deepEqual(r.hosts.map((h) => h.dest), want, names.join(','));
      assert.deepEqual(r.unknown, unknown, names.join(','));
    }
  });
});

describe('pausePoint', () => {
  const plan = (batches: string[][], canary: boolean): Plan => ({ skip: [], regate: [], batches, canary });
  it('stops after the canary, or before anything once the canary passed, until --continue', () => {
    const table: [boolean, boolean, Plan, ReturnType<typeof pausePoint>][] = [
      [false, false, plan([['a'], ['b']], true), 'no'],
      [true, false, plan([['a'], ['b']], true), 'after-canary'],
      [true, true, plan([['a'], ['b']], true), 'no'],
      [true, false, plan([['b'], ['c']], false), 'before'],
      [true, true, plan([['b'], ['c']], false), 'no'],
      [true, false, plan([['a']], true), 'no'],
      [true, false, plan([], false), 'no'],
      [false, true, plan([['b']], false), 'no'],
    ];
    for (const [pauseAfterCanary, continued, p, want] of table) {
      assert.equal(pausePoint({ pauseAfterCanary, continued, plan: p }), want, JSON.stringify({ pauseAfterCanary, continued, p }));
    }
  });
});

describe('needsConfirmation', () => {
  it('asks only a terminal, only for more than one host, never with --yes or --dry-run', () => {
    const table: [boolean, boolean, boolean, number, boolean][] = [
      [true, false, false, 2, true],
      [true, false, false, 40, true],
      [true, false, false, 1, false],
      [true, false, false, 0, false],
      [false, false, false, 40, false],
      [true, true, false, 40, false],
      [true, false, true, 40, false],
    ];
    for (const [stdinIsTTY, yes, dryRun, hostsToTouch, want] of table) {
      assert.equal(needsConfirmation({ stdinIsTTY, yes, dryRun, hostsToTouch }), want, JSON.stringify({ stdinIsTTY, yes, dryRun, hostsToTouch }));
    }
  });
});

describe('confirmQuestion', () => {
  it('says what, to how many hosts and in which order', () => {
    const table: [Plan, 'upgrade' | 'downgrade', string][] = [
      [{ skip: [], regate: [], batches: [['a'], ['b', 'c'], ['d']], canary: true }, 'upgrade', 'upgrade 4 host(s) to 5.0.1 (canary a, then 2 batch(es) of up to 2)? [y/N] '],
      [{ skip: ['a'], regate: [], batches: [['b', 'c', 'd']], canary: false }, 'upgrade', 'upgrade 3 host(s) to 5.0.1 (1 batch(es) of up to 3)? [y/N] '],
      [{ skip: [], regate: [], batches: [['a'], ['b']], canary: true }, 'downgrade', 'downgrade 2 host(s) to 5.0.1 (canary a, then 1 batch(es) of up to 1)? [y/N] '],
    ];
    for (const [plan, dir, want] of table) assert.equal(confirmQuestion(plan, dir, '5.0.1'), want);
  });
});
