// SemVer order as the wrapper uses it: versions kept exactly as written, build metadata breaking ties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions, isVersion, MAX_VERSION_LENGTH, newestOf } from '../../src/version/order.js';

test('isVersion keeps versions exactly as written', () => {
  assert.ok(isVersion('5.0.1'));
  assert.ok(isVersion('5.6.1+patch.A'));
  assert.ok(!isVersion('v5.0.1'));
  assert.ok(!isVersion('=5.0.1'));
  assert.ok(!isVersion(' 5.0.1'));
});

test('SemVer precedence, build metadata breaking ties', () => {
  const sorted = ['5.0.9', '5.0.10', '5.0.14-rc.1', '5.0.14-rc.2', '5.0.14', '5.6.1', '5.6.1+patch.A', '5.6.1+patch.B', '5.10.0'];
  const shuffled = [...sorted].reverse();
  assert.deepEqual(shuffled.sort(compareVersions), sorted);
  assert.equal(newestOf('5.0.14-rc.1', '5.0.14'), '5.0.14');
  assert.equal(newestOf('5.0.1', '5.0.1'), '5.0.1');
});

test('isVersion refuses what is not strict SemVer, and anything over the length limit', () => {
  for (const bad of ['', '5.0', '5.0.01', '05.0.1', '5.0.1-', '5.0.1+', '5.0.1 ', '5.0.1\n', '5..1', 'x.y.z']) assert.ok(!isVersion(bad), JSON.stringify(bad));
  const long = `5.0.1-${'a'.repeat(MAX_VERSION_LENGTH)}`;
  assert.ok(!isVersion(long));
  assert.ok(isVersion(long.slice(0, MAX_VERSION_LENGTH)));
});

test('newestOf keeps the first of two equal versions, and takes the build-metadata one on a tie', () => {
  assert.equal(newestOf('5.6.1+patch.A', '5.6.1'), '5.6.1+patch.A');
  assert.equal(newestOf('5.6.1', '5.6.1+patch.A'), '5.6.1+patch.A');
  assert.equal(newestOf('5.0.2', '5.0.1'), '5.0.2');
  assert.equal(compareVersions('5.0.1', '5.0.1'), 0);
});
