// The halt decisions, one table each: which exit code a host's failure gives the rollout, and
// the done/left counts of its hint (a failed or unknown host besides the halting one is left too).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RelupError, type ErrorCode } from '../../src/errors.js';
import { aheadStillValid, haltCode, haltCounts, haltError } from '../../src/rollout/decisions.js';

describe('haltCode: the host error that halts the rollout names its exit code', () => {
  const table: [ErrorCode, ErrorCode, number][] = [
    ['UNREACHABLE', 'UNREACHABLE', 69],
    ['NODE_DOWN', 'NODE_DOWN', 69],
    ['ROLLOUT_HALTED', 'ROLLOUT_HALTED', 70],
    ['REMOTE', 'ROLLOUT_HALTED', 70],
    ['NODETOOL_FAILED', 'ROLLOUT_HALTED', 70],
    ['INTERNAL', 'ROLLOUT_HALTED', 70],
    ['CANNOT_WRITE', 'CANNOT_WRITE', 73],
    ['HOST_UNKNOWN', 'HOST_UNKNOWN', 74],
    ['LOCKED', 'LOCKED', 75],
    ['PERMISSION', 'PERMISSION', 77],
    ['CHECKSUM_MISMATCH', 'CHECKSUM_MISMATCH', 65],
    ['NOT_FOUND', 'NOT_FOUND', 66],
  ];
  for (const [host, want, exit] of table) {
    it(`${host} -> ${want} (${exit})`, () => {
      assert.equal(haltCode(host), want);
      assert.equal(new RelupError(haltCode(host), 'x').exitCode, exit);
    });
  }
});

describe('haltCounts', () => {
  const rows = (o: Record<string, string>) => Object.entries(o).map(([host, outcome]) => ({ host, outcome }));
  const table: [string, Record<string, string>, string, { done: number; left: number; others: string[] }][] = [
    ['the canary done, the halting host not counted, one staged', { h1: 'done', h2: 'failed', h3: 'staged' }, 'h2', { done: 1, left: 1, others: [] }],
    ['the last host halts: nothing else left', { h1: 'done', h2: 'done', h3: 'failed' }, 'h3', { done: 2, left: 0, others: [] }],
    ['a second failed host in the batch is left, and named', { h1: 'done', h2: 'failed', h3: 'failed' }, 'h2', { done: 1, left: 1, others: ['h3 failed'] }],
    ['an unknown host is left, and named', { h1: 'done', h2: 'failed', h3: 'unknown', h4: 'untouched' }, 'h2', { done: 1, left: 2, others: ['h3 unknown'] }],
    ['at the target counts as done; rolled back is neither', { h1: 'at-target', h2: 'rolled-back', h3: 'failed' }, 'h3', { done: 1, left: 0, others: [] }],
  ];
  for (const [name, o, at, want] of table) it(name, () => assert.deepEqual(haltCounts(rows(o), at), want));
});

describe('haltError', () => {
  const rows = [
    { host: 'h1', outcome: 'done' },
    { host: 'h2', outcome: 'unknown' },
    { host: 'h3', outcome: 'staged' },
  ];
  it('an unknown host: 74, and the hint says to re-run once it is reachable', () => {
    const e = haltError('h2', new RelupError('HOST_UNKNOWN', 'h2: lost'), 'lost', rows);
    assert.equal(e.exitCode, 74);
    assert.equal(e.line, 'rollout halted at h2: lost; 1 host(s) done, 1 not upgraded; h2 is unknown: re-run the same command once it is reachable');
  });
  it('a failed upgrade: 70, fix and resume', () => {
    const e = haltError('h2', new RelupError('REMOTE', 'h2: emqx upgrade failed'), 'emqx upgrade failed', rows);
    assert.equal(e.code, 'ROLLOUT_HALTED');
    assert.match(e.line, /; 1 host\(s\) done, 1 not upgraded; fix h2 and re-run the same command to resume$/);
  });
});

describe('haltCounts when the halting host was left as it was', () => {
  it('its change never reached it (sshd gone after preflight): it is one of those not upgraded', () => {
    const rows = [
      { host: 'h1', outcome: 'done' },
      { host: 'h2', outcome: 'done' },
      { host: 'h3', outcome: 'failed' },
    ];
    assert.deepEqual(haltCounts(rows, 'h3', true), { done: 2, left: 1, others: [] });
    assert.match(haltError('h3', new RelupError('UNREACHABLE', 'h3: x'), 'x', rows, true).line, /; 2 host\(s\) done, 1 not upgraded; fix h3/);
  });
});

describe('aheadStillValid: peers read ahead stand unless the cluster changed under them', () => {
  const table: [string, { name: string; peers: string[] | null }, { name: string; before: string[] | null }[], boolean][] = [
    ['nothing gated since', { name: 'b@h', peers: ['a@h'] }, [], true],
    ['the gated host is among the peers read', { name: 'b@h', peers: ['a@h', 'c@h'] }, [{ name: 'a@h', before: ['b@h', 'c@h'] }], true],
    ['the gated host was connected before but missing from the read (read while it reconnected)', { name: 'b@h', peers: ['c@h'] }, [{ name: 'a@h', before: ['b@h', 'c@h'] }], false],
    ['the gated host never saw this one: its absence changes nothing', { name: 'b@h', peers: ['c@h'] }, [{ name: 'a@h', before: ['c@h'] }], true],
    ['the gated host recorded no peers', { name: 'b@h', peers: ['c@h'] }, [{ name: 'a@h', before: null }], true],
    ['peers unknown when read: read again', { name: 'b@h', peers: null }, [], false],
    ['no node name: read again', { name: '', peers: [] }, [], false],
  ];
  for (const [name, ahead, gated, want] of table) it(name, () => assert.equal(aheadStillValid(ahead, gated), want));
});
