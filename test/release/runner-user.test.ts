import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRunAs, parseAccount, runnerUserOf } from '../../src/release/runner-user.js';
import { RelupError } from '../../src/errors.js';

test('runnerUserOf: empty and unset mean whoever runs it', () => {
  const t = (v?: string) => new Map(v === undefined ? [] : [['RUNNER_USER', { value: v }]]);
  assert.equal(runnerUserOf(t()), null);
  assert.equal(runnerUserOf(t('')), null);
  assert.equal(runnerUserOf(t('  ')), null);
  assert.equal(runnerUserOf(t('emqx')), 'emqx');
});

test('decideRunAs: stay, switch as root, refuse another user with the commands that work', () => {
  assert.deepEqual(decideRunAs(null, { uid: 0, name: 'root' }, 'upgrade'), { kind: 'stay' });
  assert.deepEqual(decideRunAs('emqx', { uid: 998, name: 'emqx' }, 'upgrade'), { kind: 'stay' });
  assert.deepEqual(decideRunAs('emqx', { uid: 0, name: 'root' }, 'upgrade'), { kind: 'switch', user: 'emqx' });
  assert.deepEqual(decideRunAs('emqx', { uid: 0, name: null }, 'upgrade'), { kind: 'switch', user: 'emqx' });
  assert.throws(
    () => decideRunAs('emqx', { uid: 1000, name: 'alice' }, 'downgrade'),
    (e: unknown) =>
      e instanceof RelupError &&
      e.code === 'PERMISSION' &&
      e.exitCode === 77 &&
      /^this installation runs as user emqx \(RUNNER_USER in releases\/emqx_vars\), not as alice; run it as root \(sudo emqx downgrade \.\.\.\), which switches to emqx first, or as emqx \(sudo -u emqx emqx downgrade \.\.\.\)$/.test(e.line),
  );
});

test('parseAccount: getent passwd and id -G output', () => {
  assert.deepEqual(parseAccount('emqx:x:998:997:EMQX:/var/lib/emqx:/bin/bash\n', '997 4\n'), { uid: 998, gid: 997, groups: [997, 4], home: '/var/lib/emqx' });
  assert.deepEqual(parseAccount('nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin', ''), { uid: 65534, gid: 65534, groups: [65534], home: '/nonexistent' });
  assert.equal(parseAccount('garbage', '1'), null);
  assert.equal(parseAccount('a:x:b:c:d:e:f', '1'), null);
});
