import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePackageName, packageFileName } from '../../src/version/index.js';

test('package names: edition, exact version and platform', () => {
  const cases: [string, string, string, string | null][] = [
    ['emqx-5.0.1.tar.gz', 'community', '5.0.1', null],
    ['emqx-5.0.1-ubuntu20.04-amd64.tar.gz', 'community', '5.0.1', 'ubuntu20.04-amd64'],
    ['emqx-5.0.1-otp24.3.4.2-1-el8-amd64.tar.gz', 'community', '5.0.1', 'otp24.3.4.2-1-el8-amd64'],
    ['emqx-5.0.1-elixir-ubuntu20.04-amd64.tar.gz', 'community', '5.0.1', 'elixir-ubuntu20.04-amd64'],
    ['emqx-enterprise-5.0.1.tar.gz', 'enterprise', '5.0.1', null],
    ['emqx-enterprise-5.6.1+patch.A-el8-amd64.tar.gz', 'enterprise', '5.6.1+patch.A', 'el8-amd64'],
    ['emqx-5.0.14-rc.1-ubuntu20.04-amd64.tar.gz', 'community', '5.0.14-rc.1', 'ubuntu20.04-amd64'],
    ['emqx-5.0.13-g1a2b3c4d.tar.gz', 'community', '5.0.13-g1a2b3c4d', null],
    ['emqx-5.0.13-g1a2b3c4d-debian11-arm64.tar.gz', 'community', '5.0.13-g1a2b3c4d', 'debian11-arm64'],
    ['emqx-5.0.10.tar.gz', 'community', '5.0.10', null],
    ['emqx-5.0.1-rc.1.tar.gz', 'community', '5.0.1-rc.1', null],
  ];
  for (const [file, edition, version, platform] of cases) {
    const p = parsePackageName(file);
    assert.ok(p, file);
    assert.deepEqual([p.edition, p.version, p.platform], [edition, version, platform], file);
    assert.equal(packageFileName(p.edition, p.version, p.platform), file, 'round trip');
  }
});

test('not package names', () => {
  for (const f of [
    'emqx-5.0.1.zip',
    'emqx-5.0.tar.gz',
    'emqx-v5.0.1.tar.gz',
    'emqx-05.0.1.tar.gz',
    'emqx5.0.1.tar.gz',
    'emqttd-5.0.1.tar.gz',
    'emqx-enterprise.tar.gz',
    'emqx-5.0.1-.tar.gz',
    'emqx-5.0.1+.tar.gz',
    'dir/emqx-5.0.1.tar.gz',
    'emqx-5.0.1-ubuntu20.04 amd64.tar.gz',
    '',
  ]) {
    assert.equal(parsePackageName(f), null, f);
  }
});

test('5.0.1 is never read out of a longer version', () => {
  for (const f of ['emqx-5.0.10.tar.gz', 'emqx-5.0.1-rc.1.tar.gz', 'emqx-5.0.1-g1a2b3c4d-el8.tar.gz', 'emqx-5.0.1+b1.tar.gz']) {
    assert.notEqual(parsePackageName(f)?.version, '5.0.1', f);
  }
});
