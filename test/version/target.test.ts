import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTarget } from '../../src/version/target.js';
import type { RelupError } from '../../src/errors.js';

test('target forms', () => {
  const cases: [string, string, string | null, string | null][] = [
    ['5.0.1', '5.0.1', null, null],
    ['v5.0.1', '5.0.1', null, null],
    ['emqx-5.0.1', '5.0.1', 'community', null],
    ['emqx-enterprise-5.0.1', '5.0.1', 'enterprise', null],
    ['5.0.14-rc.1', '5.0.14-rc.1', null, null],
    ['5.6.1+patch.A', '5.6.1+patch.A', null, null],
    ['emqx-5.0.1-ubuntu20.04-amd64.tar.gz', '5.0.1', 'community', null],
    ['/srv/pkgs/emqx-enterprise-5.0.1-el8-amd64.tar.gz', '5.0.1', 'enterprise', '/srv/pkgs/emqx-enterprise-5.0.1-el8-amd64.tar.gz'],
    ['./emqx-5.0.1.tar.gz', '5.0.1', 'community', './emqx-5.0.1.tar.gz'],
  ];
  for (const [raw, version, edition, packagePath] of cases) {
    const t = parseTarget(raw);
    assert.deepEqual([t.version, t.edition, t.packagePath], [version, edition, packagePath], raw);
  }
});

test('refused targets: usage error 64 before anything is touched', () => {
  for (const raw of [
    '',
    '5.0',
    '5',
    'latest',
    '5.0.1 ',
    '5.0.1\t',
    '5.0.1\u0000',
    '5.0.*',
    '5.0.?',
    '5.0.[1]',
    '../emqx-5.0.1.tar.gz',
    '/tmp/../emqx-5.0.1.tar.gz',
    'a/5.0.1',
    '5.0.1/',
    'emqx-v5.0.1',
    'vv5.0.1',
    'V5.0.1',
    '05.0.1',
    '5.0.1-',
    '5.0.1+',
    '5.0.1-01',
    '$(reboot)',
    '5.0.1;rm',
    'emqx-5.0.1.tar.gz.sha256',
    '//emqx-5.0.1.tar.gz',
    '1.2.3-' + 'a'.repeat(100),
  ]) {
    assert.throws(() => parseTarget(raw), (e: RelupError) => e.code === 'BAD_TARGET' && e.exitCode === 64, JSON.stringify(raw));
  }
});
