// The --status --json contract: what the real wrapper prints is what the rollout reads, field for
// field (nothing dropped, nothing defaulted), and a malformed object is named by its bad field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readStatusJson } from '../../src/node/status-json.js';
import { parseStatus } from '../../src/rollout/status.js';
import { RelupError } from '../../src/errors.js';
import { makeFakeRoot, makePackage, runWrapper } from '../helpers/fake-root.js';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';

test('the wrapper\'s own --status --json parses as the rollout reads it, field for field', (t) => {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  for (const up of [true, false]) {
    fr.nodeUp(up);
    const r = runWrapper(['--root', fr.root, '--status', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const printed = JSON.parse(r.stdout.trim());
    const read = parseStatus('h1', r.stdout);
    assert.deepEqual(read, printed);
    assert.equal(read.nodeAlive, up);
    assert.deepEqual(read.peers, up ? [] : null);
    assert.deepEqual(read.packages, ['emqx-5.0.1.tar.gz']);
    assert.deepEqual(read.patches, { dir: join(fr.root, 'data', 'patches'), modules: [] });
  }
  // Hot patches reach the rollout's preflight through the same object.
  mkdirSync(join(fr.root, 'data', 'patches'), { recursive: true });
  writeFileSync(join(fr.root, 'data', 'patches', 'emqx_cm.beam'), '');
  const r = runWrapper(['--root', fr.root, '--status', '--json']);
  assert.deepEqual(parseStatus('h1', r.stdout).patches, { dir: join(fr.root, 'data', 'patches'), modules: ['emqx_cm'] });
  assert.match(runWrapper(['--root', fr.root, '--status']).stdout, /^patches: {3}emqx_cm in .*data\/patches \(hot patches: a hot upgrade is refused without --allow-patches\)$/m);
});

const good = { edition: 'community', currentVersion: '5.0.0', nodeAlive: null, lockHolder: 12 };

for (const [name, o, wrong] of [
  ['an array', [], 'not an object'],
  ['edition', { ...good, edition: 'pro' }, 'edition'],
  ['currentVersion', { ...good, currentVersion: 5 }, 'currentVersion'],
  ['nodeAlive', { ...good, nodeAlive: 'yes' }, 'nodeAlive'],
  ['lockHolder', { ...good, lockHolder: '12' }, 'lockHolder'],
] as const) {
  test(`readStatusJson: a bad ${name} is named`, () => {
    assert.deepEqual(readStatusJson(o), { wrong });
  });
}

test('readStatusJson: display-only fields of an older wrapper default; bad release rows are dropped', () => {
  const r = readStatusJson({ ...good, releases: [{ version: '5.0.0', status: 'permanent' }, { version: 1 }] });
  assert.ok(!('wrong' in r));
  assert.deepEqual(r.releases, [{ version: '5.0.0', status: 'permanent' }]);
  assert.equal(r.ertsVersion, '');
  assert.equal(r.nodetoolError, null);
  assert.equal(r.peers, null, 'an older wrapper reported no peers: unknown, not "none"');
  assert.deepEqual(r.packages, []);
  assert.equal('patches' in r, false, 'an older wrapper did not look: absent, not "none"');
});

test('parseStatus: not JSON, or a bad field, is one error naming the host and the field', () => {
  assert.throws(() => parseStatus('h1', 'oops'), (e: unknown) => e instanceof RelupError && /^h1: .*\(not JSON\)/.test(e.message));
  assert.throws(() => parseStatus('h1', JSON.stringify({ ...good, edition: 'x' })), (e: unknown) => e instanceof RelupError && /\(edition\)/.test(e.message));
});
