// readPackageRelup(): releases/<v>/relup out of real packages (GNU tar, pack-made, systools-made),
// stopping once read; how far into the file that takes is what the cost note in docs/decision.md is about.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixtures } from '../../scripts/fixtures/build.js';
import { RelupError } from '../../src/errors.js';
import { pack } from '../../src/release-tools/pack.js';
import { readPackageRelup } from '../../src/package/read-relup.js';
import { craftTarGz, gnuTar, makeReleaseDir, scratch } from '../helpers/pack-fixtures.js';

const scratchDir = scratch('read-relup');

/** As systools:make_relup writes it (~p), with instructions of the kinds real relups carry. */
export const RELUP_501 = `%% coding: utf-8
{"5.0.1",
 [{"5.0.0",[],
   [{load_object_code,{emqx,"5.0.1",[emqx_misc]}},
    point_of_no_return,
    {load,{emqx_misc,brutal_purge,brutal_purge}},
    {apply,{emqx_relup,post_release_upgrade,["5.0.0",#{from => <<"5.0.0">>, n => $a}]}}]},
  {"5.0.0-rc.1",[],[restart_new_emulator]}],
 [{"5.0.0",[],
   [{load_object_code,{emqx,"5.0.0",[emqx_misc]}},
    point_of_no_return,
    {load,{emqx_misc,brutal_purge,brutal_purge}}]}]}.
`;

/** A release of 5.0.1 with a relup and 6 MiB of incompressible library (past the scan's 1 MiB read-ahead), tarred with lib/ before releases/ (as EMQX's). */
function release(files: Record<string, string> = { 'releases/5.0.1/relup': RELUP_501 }): { root: string; dir: string; tgz: string } {
  const root = scratchDir();
  const dir = makeReleaseDir(path.join(root, 'rel'), { files });
  fs.writeFileSync(path.join(dir, 'lib/emqx-5.0.1/ebin/big.beam'), randomBytes(6 << 20));
  const tgz = gnuTar(dir, path.join(root, 'emqx-5.0.1.tar.gz'), { names: ['bin', 'lib', 'etc', 'data', 'releases'] });
  return { root, dir, tgz };
}

test('readPackageRelup: GNU tar with releases/ at the end is read up to the relup', async () => {
  const r = release();
  const got = await readPackageRelup(r.tgz, '5.0.1');
  assert.equal(got.fact.kind, 'found');
  assert.deepEqual(got.fact.kind === 'found' && got.fact.relup, { version: '5.0.1', upFrom: ['5.0.0', '5.0.0-rc.1'], downTo: ['5.0.0'] });
  assert.ok(got.member !== null && got.member > 10, `member ${got.member}`);
  assert.ok(got.bytesRead > (6 << 20), `read ${got.bytesRead} bytes: past the library`);
});

test('readPackageRelup: a pack-made package has it third, so only the head is read', async () => {
  const r = release();
  const out = path.join(r.root, 'out');
  fs.mkdirSync(out);
  const p = await pack({ input: r.tgz, outDir: out, platform: null, env: {} });
  const got = await readPackageRelup(p.package, '5.0.1');
  assert.equal(got.member, 3);
  assert.deepEqual(got.fact.kind === 'found' && got.fact.relup.upFrom, ['5.0.0', '5.0.0-rc.1']);
  assert.ok(got.bytesRead < fs.statSync(p.package).size / 2, `read ${got.bytesRead} of ${fs.statSync(p.package).size} bytes`);
});

test('readPackageRelup: no relup is absent after reading the whole package', async () => {
  const r = release({});
  const got = await readPackageRelup(r.tgz, '5.0.1');
  assert.equal(got.fact.kind, 'absent');
  assert.match(got.fact.kind === 'absent' ? got.fact.file : '', /^releases\/5\.0\.1\/relup in .*emqx-5\.0\.1\.tar\.gz$/);
  assert.equal(got.member, null);
  assert.equal(got.bytesRead, fs.statSync(r.tgz).size);
});

test('readPackageRelup: refuses a relup that is not one, leads elsewhere, or is no file', async () => {
  const bad = async (tgz: string, says: RegExp) =>
    assert.rejects(readPackageRelup(tgz, '5.0.1'), (e: unknown) => e instanceof RelupError && e.code === 'BAD_PACKAGE' && e.exitCode === 65 && says.test(e.line));
  await bad(release({ 'releases/5.0.1/relup': '{"5.0.1", [], [].\n' }).tgz, /releases\/5\.0\.1\/relup in .* is not a valid relup: expected , or \} at line 1/);
  await bad(release({ 'releases/5.0.1/relup': '{"5.0.1", [{"5.0.0", []}], []}.\n' }).tgz, /upgrade entry 1 is not \{Vsn, Descr, Instructions\}/);
  await bad(release({ 'releases/5.0.1/relup': RELUP_501.replace('{"5.0.1",', '{"5.0.2",') }).tgz, /leads to 5\.0\.2, not 5\.0\.1/);
  const crafted = path.join(scratchDir(), 'emqx-5.0.1.tar.gz');
  await craftTarGz(crafted, [{ name: 'releases/5.0.1/relup', type: 'symlink', linkname: '/etc/passwd' }]);
  await bad(crafted, /is a symlink, not a regular file/);
});

test('readPackageRelup: the relup systools:make_relup wrote into a systools package', async () => {
  const fx = await buildFixtures({ versions: ['5.0.0', '5.0.1'] });
  const got = await readPackageRelup(fx.packages['5.0.1']!, '5.0.1');
  assert.deepEqual(got.fact.kind === 'found' && got.fact.relup, { version: '5.0.1', upFrom: ['5.0.0'], downTo: ['5.0.0'] });
  assert.equal((await readPackageRelup(fx.packages['5.0.0']!, '5.0.0')).fact.kind, 'absent', 'the first release has nothing to upgrade from');
});
