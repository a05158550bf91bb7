// The pure decisions of --on-failure, one table each; rollbackHost itself runs in run.test.ts
// (over the strict fake) and otp-rollback.test.ts (real nodes over sshd).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RelupError } from '../../src/errors.js';
import {
  endedInRollback,
  onFailureProblem,
  rollbackError,
  rollbackOrder,
  rollbackStep,
  rollbackSucceeded,
  type OnFailure,
  type RollbackResult,
  type RollbackStep,
} from '../../src/rollout/rollback.js';

describe('rollbackOrder', () => {
  const done = [
    { dest: 'h1', at: '2026-01-01T00:00:01.000Z' },
    { dest: 'h3', at: '2026-01-01T00:00:03.000Z' },
    { dest: 'h2', at: '2026-01-01T00:00:02.000Z' },
  ];
  const table: [OnFailure, string[], string[]][] = [
    ['halt', ['h4'], []],
    ['rollback', ['h4'], ['h4']],
    ['rollback', ['h4', 'h5'], ['h4', 'h5']],
    ['rollback-all', ['h4'], ['h4', 'h3', 'h2', 'h1']],
    ['rollback-all', ['h4', 'h5'], ['h4', 'h5', 'h3', 'h2', 'h1']],
  ];
  for (const [mode, failed, want] of table) it(`${mode} after ${failed.join('+')} fails -> ${want.join(', ') || 'none'}`, () => assert.deepEqual(rollbackOrder(mode, failed, done), want));
  it('a host both failed and recorded done is taken back once', () => assert.deepEqual(rollbackOrder('rollback-all', ['h2'], done), ['h2', 'h3', 'h1']));
});

describe('rollbackStep', () => {
  const s = (nodeAlive: boolean | null, rel: Record<string, string>) => ({ nodeAlive, currentVersion: '5.0.0', releases: Object.entries(rel).map(([version, status]) => ({ version, status })) });
  const table: [string, ReturnType<typeof s> | null, RollbackStep['kind'], RegExp][] = [
    ['target permanent: downgrade', s(true, { '5.0.0': 'old', '5.0.1': 'permanent' }), 'downgrade', /^$/],
    ['target current, old still permanent: downgrade', s(true, { '5.0.0': 'permanent', '5.0.1': 'current' }), 'downgrade', /^$/],
    ['upgrade never installed: nothing to do', s(true, { '5.0.0': 'permanent', '5.0.1': 'unpacked' }), 'not-needed', /still runs 5\.0\.0/],
    ['node down', s(false, { '5.0.1': 'permanent' }), 'impossible', /not running.*start it/],
    ['node state unknown', s(null, { '5.0.1': 'permanent' }), 'impossible', /unknown/],
    ['a third version', s(true, { '5.0.2': 'permanent' }), 'impossible', /runs 5\.0\.2, neither 5\.0\.0 nor 5\.0\.1/],
    ['no status', null, 'impossible', /could not be read/],
  ];
  for (const [name, status, kind, why] of table) {
    it(name, () => {
      const step = rollbackStep(status, '5.0.0', '5.0.1');
      assert.equal(step.kind, kind);
      if (step.kind === 'downgrade') assert.equal(step.to, '5.0.0');
      else assert.match(step.why, why);
    });
  }
});

describe('rollbackError', () => {
  const first = new RelupError('ROLLOUT_HALTED', 'h2: health gate: --check exited 1');
  const res = (outcome: RollbackResult['outcome'], how = 'x'): RollbackResult => ({ to: '5.0.0', outcome, how, version: '5.0.0' });
  it('every host back: ROLLED_BACK (71), names them and says a re-run starts afresh', () => {
    const e = rollbackError('h2', first, new Map([['h2', res('rolled-back')], ['h1', res('rolled-back')]]), 0, 1);
    assert.equal(e.code, 'ROLLED_BACK');
    assert.equal(e.exitCode, 71);
    assert.equal(e.message, 'rollout stopped at h2 and rolled back h2 to 5.0.0, h1 to 5.0.0: h2: health gate: --check exited 1');
    assert.match(e.line, /0 host\(s\) stay upgraded, 1 not upgraded; .*re-run the same command: it starts afresh with a new canary/);
  });
  it('a failed upgrade that left the old version running needs no rollback: still ROLLED_BACK', () => {
    const e = rollbackError('h2', first, new Map([['h2', res('not-needed')]]), 1, 0);
    assert.equal(e.code, 'ROLLED_BACK');
    assert.match(e.message, /and no host needed a rollback/);
  });
  for (const bad of ['failed', 'impossible'] as const) {
    it(`a rollback ${bad}: ROLLBACK_FAILED (72) names the host and what happened`, () => {
      const e = rollbackError('h2', first, new Map([['h2', res('rolled-back')], ['h1', res(bad, 'not possible: the node is not running')]]), 0, 0);
      assert.equal(e.code, 'ROLLBACK_FAILED');
      assert.equal(e.exitCode, 72);
      assert.equal(e.message, 'rollout stopped at h2 (h2: health gate: --check exited 1) and the rollback of h1 failed: not possible: the node is not running');
      assert.match(e.line, /rolled back h2 to 5\.0\.0; inspect h1 by hand/);
    });
  }
  it('rollbackSucceeded', () => {
    assert.equal(rollbackSucceeded([res('rolled-back'), res('not-needed')]), true);
    assert.equal(rollbackSucceeded([res('rolled-back'), res('failed')]), false);
  });
});

describe('after a rollback', () => {
  it('a state with a rollback record starts afresh; one without is resumed', () => {
    assert.equal(endedInRollback({ hosts: { h1: { status: 'done' }, h2: { status: 'failed', rollback: { outcome: 'not-needed' } } } }), true);
    assert.equal(endedInRollback({ hosts: { h1: { status: 'rolled-back' } } }), true);
    assert.equal(endedInRollback({ hosts: { h1: { status: 'done' }, h2: { status: 'failed' } } }), false);
  });
  it('--on-failure rollback is refused for a --downgrade rollout', () => {
    assert.equal(onFailureProblem('halt', true), null);
    assert.equal(onFailureProblem('rollback', false), null);
    assert.match(onFailureProblem('rollback-all', true)!, /--on-failure rollback-all .* --downgrade rollout cannot do/);
  });
});
