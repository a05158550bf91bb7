import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scpTarget, sshTarget } from '../../src/rollout/ssh.js';

test('a host with an endpoint (an Ansible inventory\'s address, port, user) is reached there', () => {
  assert.deepEqual(sshTarget('node1', undefined), ['--', 'node1']);
  assert.deepEqual(sshTarget('node1', { address: '10.0.0.1' }), ['--', '10.0.0.1']);
  assert.deepEqual(sshTarget('node1', { address: '10.0.0.1', port: 2222, user: 'ops' }), ['-p', '2222', '-l', 'ops', '--', '10.0.0.1']);
  assert.equal(scpTarget('ops@fe80::1', '/r'), 'ops@[fe80::1]:/r/');
});
