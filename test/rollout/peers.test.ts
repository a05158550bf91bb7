// The cluster part of the gate: pure verdicts as tables, and the wait loop on a clock the test moves.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RelupError } from '../../src/errors.js';
import { judgePeers, missingPeers, recordedPeers, waitForPeers, type PeerVerdict } from '../../src/rollout/peers.js';
import type { WrapperStatus } from '../../src/rollout/status.js';

const host = { dest: 'n1', root: '/opt/emqx' };
const status = (peers: string[] | null, nodeAlive: boolean | null = true): WrapperStatus => ({
  root: '/opt/emqx',
  relName: 'emqx',
  edition: 'community',
  currentVersion: '5.0.1',
  ertsVersion: '13.2',
  node: { name: 'emqx@127.0.0.1', nameType: '-name', nameSource: 'vm.args', cookieSource: 'vm.args' },
  nodeAlive,
  nodetoolError: null,
  lockHolder: null,
  peers,
  releases: [{ version: '5.0.1', status: 'permanent' }],
  versionedScripts: [],
  packages: [],
  stuck: [],
  warnings: [],
});

describe('missingPeers', () => {
  const table: [string[], string[], string[]][] = [
    [[], [], []],
    [['b', 'c'], ['c', 'b'], []],
    [['b', 'c'], ['b'], ['c']],
    [['c', 'b'], [], ['b', 'c']],
    [['b'], ['b', 'new'], []],
  ];
  for (const [before, now, want] of table) it(`${JSON.stringify(before)} then ${JSON.stringify(now)} -> ${JSON.stringify(want)}`, () => assert.deepEqual(missingPeers(before, now), want));
});

describe('judgePeers', () => {
  const table: [string, string[] | null, string[] | null, number, PeerVerdict][] = [
    ['nothing recorded', null, ['b'], 1000, { kind: 'skip' }],
    ['nothing recorded, time up', null, null, 0, { kind: 'skip' }],
    ['all back', ['b', 'c'], ['b', 'c'], 1000, { kind: 'ok' }],
    ['all back at the deadline', ['b'], ['b'], 0, { kind: 'ok' }],
    ['not clustered before or after', [], [], 0, { kind: 'ok' }],
    ['one missing, time left', ['b', 'c'], ['b'], 1, { kind: 'wait', missing: ['c'] }],
    ['one missing, time up', ['b', 'c'], ['b'], 0, { kind: 'fail', missing: ['c'] }],
    ['unreadable, time left', ['b'], null, 500, { kind: 'wait', missing: null }],
    ['unreadable, time up', ['b'], null, -1, { kind: 'fail', missing: null }],
  ];
  for (const [name, before, now, left, want] of table) it(name, () => assert.deepEqual(judgePeers(before, now, left), want));
});

describe('recordedPeers', () => {
  it('takes the peers the status reports', () => assert.deepEqual(recordedPeers('n1', status(['b'])), { peers: ['b'] }));
  it('none when the node did not answer, with a warning that the cluster is not checked', () => {
    const r = recordedPeers('n1', status(null, null));
    assert.equal(r.peers, null);
    assert.match(r.warning!, /^n1: cluster peers not recorded before the upgrade \(the node did not answer\); its gate does not check the cluster$/);
  });
  it('none from an alive node whose wrapper reported none', () => assert.match(recordedPeers('n1', status(null)).warning!, /reported no peers/));
});

describe('waitForPeers', () => {
  const clock = () => {
    let t = 0;
    const sleeps: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      sleeps.push(ms);
      t += ms;
    };
    return { sleeps, now: () => t, sleep };
  };

  it('polls until the missing peer is back', async () => {
    const c = clock();
    const reads = [status(['b']), status(['b', 'c'])];
    const s = await waitForPeers(status([]), { before: ['b', 'c'], timeoutMs: 10_000, pollMs: 1000, doing: 'upgrade' }, async () => reads.shift()!, host, c);
    assert.deepEqual(s.peers, ['b', 'c']);
    assert.deepEqual(c.sleeps, [1000, 1000]);
  });

  it('fails at the deadline naming the peers still missing', async () => {
    const c = clock();
    let reads = 0;
    await assert.rejects(
      waitForPeers(status(['b']), { before: ['b', 'c', 'd'], timeoutMs: 3000, pollMs: 1000, doing: 'upgrade' }, async () => {
        reads++;
        return status(['b', 'd']);
      }, host, c),
      (e: unknown) =>
        e instanceof RelupError &&
        e.code === 'ROLLOUT_HALTED' &&
        e.exitCode === 70 &&
        e.message === 'n1: health gate: after 3 s the node still does not see c (connected before the upgrade)' &&
        /raise --gate-timeout/.test(e.line) &&
        JSON.stringify(e.details?.missingPeers) === '["c"]',
    );
    assert.equal(reads, 3);
  });

  it('says so when the peers could not be read until the deadline', async () => {
    await assert.rejects(
      waitForPeers(status(null), { before: ['b'], timeoutMs: 0, doing: 'rollback' }, async () => assert.fail('no second read at timeout 0'), host, clock()),
      /n1: health gate: the node's cluster peers could not be read for 0 s after the rollback/,
    );
  });

  it('checks nothing (and reads nothing more) when no peers were recorded', async () => {
    const s = status(null);
    assert.equal(await waitForPeers(s, { before: null, timeoutMs: 0, doing: 'upgrade' }, async () => assert.fail('no read'), host, clock()), s);
  });
});
