import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RelupError } from '../../src/errors.js';
import { isAtTarget, parseStatus, runningVersion } from '../../src/rollout/status.js';

const base = { root: '/r', relName: 'emqx', edition: 'community', currentVersion: '5.0.0', ertsVersion: '13', node: { name: 'emqx@h', nameType: 'name' }, nodeAlive: true, lockHolder: null, versionedScripts: [], packages: ['emqx-5.0.1.tar.gz'] };

describe('wrapper status', () => {
  it('parses the last stdout line and keeps the release statuses', () => {
    const s = parseStatus('h', `noise\n${JSON.stringify({ ...base, releases: [{ version: '5.0.1', status: 'current' }, { version: '5.0.0', status: 'permanent' }] })}\n`);
    assert.equal(s.edition, 'community');
    assert.equal(runningVersion(s), '5.0.1');
    assert.equal(isAtTarget(s, '5.0.1', true), false);
    assert.equal(isAtTarget(s, '5.0.1', false), true);
    assert.deepEqual(s.packages, ['emqx-5.0.1.tar.gz']);
  });

  it('falls back to emqx_vars when there is no RELEASES', () => {
    const s = parseStatus('h', JSON.stringify({ ...base, currentVersion: '5.0.1', releases: [] }));
    assert.equal(runningVersion(s), '5.0.1');
    assert.equal(isAtTarget(s, '5.0.1', true), true);
  });

  it('refuses output that is not the contract', () => {
    for (const bad of ['', 'not json', '[]', JSON.stringify({ ...base, edition: 'oss' }), JSON.stringify({ ...base, nodeAlive: 'yes' }), JSON.stringify({ ...base, currentVersion: 5 })]) {
      assert.throws(() => parseStatus('h', bad), (e: unknown) => e instanceof RelupError && e.code === 'REMOTE' && e.exitCode === 76 && /^h: the remote emqx wrapper printed an unexpected status/.test(e.message));
    }
  });
});
