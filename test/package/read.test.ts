// readPackage(): the one pass over a package. The relup out of real packages (GNU tar, pack-made,
// systools-made), stopping once read; the scripts, emqx_vars and the sha256 from the same pass;
// a problem with a member as that member's fact.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildFixtures } from '../../scripts/fixtures/build.js';
import { RelupError } from '../../src/errors.js';
import { pack } from '../../src/release-tools/pack.js';
import { NOTHING, readPackage } from '../../src/package/read.js';
import { craftTarGz, erlTar, gnuTar, makeReleaseDir, scratch } from '../helpers/pack-fixtures.js';
import { ESCRIPT, makeTarGz, makeTruncatedTarGz, SCRIPT, scriptEntries, type Entry } from './fixtures.js';

const scratchDir = scratch('read');

/** The relup of `v` alone, as the wrapper reads it going up. */
async function readPackageRelup(tgz: string, v: string) {
  const r = await readPackage(tgz, { ...NOTHING, relup: v });
  assert.ok(r.relup);
  return { fact: r.relup, bytesRead: r.bytesRead, entriesSeen: r.entriesSeen };
}

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

test('readPackage relup: GNU tar with releases/ at the end is read up to the relup', async () => {
  const r = release();
  const got = await readPackageRelup(r.tgz, '5.0.1');
  assert.equal(got.fact.kind, 'found');
  assert.deepEqual(got.fact.kind === 'found' && got.fact.relup, { version: '5.0.1', upFrom: ['5.0.0', '5.0.0-rc.1'], downTo: ['5.0.0'] });
  assert.ok(got.entriesSeen > 10, `stopped at member ${got.entriesSeen}`);
  assert.ok(got.bytesRead > (6 << 20), `read ${got.bytesRead} bytes: past the library`);
});

test('readPackage relup: a pack-made package has it third, so only the head is read', async () => {
  const r = release();
  const out = path.join(r.root, 'out');
  fs.mkdirSync(out);
  const p = await pack({ input: r.tgz, outDir: out, platform: null, env: {} });
  const got = await readPackageRelup(p.package, '5.0.1');
  assert.equal(got.entriesSeen, 3, 'stopped at the third member');
  assert.deepEqual(got.fact.kind === 'found' && got.fact.relup.upFrom, ['5.0.0', '5.0.0-rc.1']);
  assert.ok(got.bytesRead < fs.statSync(p.package).size / 2, `read ${got.bytesRead} of ${fs.statSync(p.package).size} bytes`);
});

test('readPackage relup: no relup is absent after reading the whole package', async () => {
  const r = release({});
  const got = await readPackageRelup(r.tgz, '5.0.1');
  assert.equal(got.fact.kind, 'absent');
  assert.match(got.fact.kind === 'absent' ? got.fact.file : '', /^releases\/5\.0\.1\/relup in .*emqx-5\.0\.1\.tar\.gz$/);
  assert.equal(got.bytesRead, fs.statSync(r.tgz).size);
});

test('readPackage relup: refuses a relup that is not one, leads elsewhere, or is no file', async () => {
  const bad = async (tgz: string, says: RegExp) =>
    readPackageRelup(tgz, '5.0.1').then(({ fact }) => {
      assert.equal(fact.kind, 'error');
      const e = fact.kind === 'error' ? fact.error : null;
      assert.ok(e instanceof RelupError && e.code === 'BAD_PACKAGE' && e.exitCode === 65 && says.test(e.line), e?.line);
    });
  await bad(release({ 'releases/5.0.1/relup': '{"5.0.1", [], [].\n' }).tgz, /releases\/5\.0\.1\/relup in .* is not a valid relup: expected , or \} at line 1/);
  await bad(release({ 'releases/5.0.1/relup': '{"5.0.1", [{"5.0.0", []}], []}.\n' }).tgz, /upgrade entry 1 is not \{Vsn, Descr, Instructions\}/);
  await bad(release({ 'releases/5.0.1/relup': RELUP_501.replace('{"5.0.1",', '{"5.0.2",') }).tgz, /leads to 5\.0\.2, not 5\.0\.1/);
  const crafted = path.join(scratchDir(), 'emqx-5.0.1.tar.gz');
  await craftTarGz(crafted, [{ name: 'releases/5.0.1/relup', type: 'symlink', linkname: '/etc/passwd' }]);
  await bad(crafted, /is a symlink, not a regular file/);
});

test('readPackage relup: the relup systools:make_relup wrote into a systools package', async () => {
  const fx = await buildFixtures({ versions: ['5.0.0', '5.0.1'] });
  const got = await readPackageRelup(fx.packages['5.0.1']!, '5.0.1');
  assert.deepEqual(got.fact.kind === 'found' && got.fact.relup, { version: '5.0.1', upFrom: ['5.0.0'], downTo: ['5.0.0'] });
  assert.equal((await readPackageRelup(fx.packages['5.0.0']!, '5.0.0')).fact.kind, 'absent', 'the first release has nothing to upgrade from');
});

// The one pass: everything the wrapper needs of a package from a single read of it.
const V = '5.0.1';
const RELUP = `{"${V}",[{"5.0.0",[],[]}],[{"5.0.0",[],[]}]}.\n`;
const VARS = 'REL_VSN="5.0.1"\nEMQX_LOG_DIR="$RUNNER_ROOT_DIR/log"\n';
const ALL = { scripts: V, relup: V, vars: true, hash: true };
const sha256Of = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A package of `entries` in scratch; `entries` names members and their bodies. */
async function pkgOf(entries: Entry[]): Promise<string> {
  const file = path.join(scratchDir(), `emqx-${V}.tar.gz`);
  await makeTarGz(file, entries);
  return file;
}

const scriptsThen = (rest: Entry[]): Entry[] => [...scriptEntries(V), { name: `releases/${V}/relup`, body: RELUP }, { name: 'releases/emqx_vars', body: VARS }, ...rest];

test('readPackage: the scripts, relup, emqx_vars and sha256 of one pass, every byte read once', async () => {
  const tgz = await pkgOf(scriptsThen([{ name: 'lib/big.beam', size: 8 << 20 }]));
  const r = await readPackage(tgz, ALL);
  assert.equal(r.failure, null);
  assert.equal(r.sha256, sha256Of(tgz));
  assert.equal(r.bytesRead, fs.statSync(tgz).size, 'the hash reads the whole file, once');
  assert.equal(r.entriesSeen, 4, 'inflation stops once the four members are in');
  assert.deepEqual(r.scripts?.kind === 'found' && r.scripts.files.map((f) => [f.dest, f.data.toString()]), [
    [`emqx-${V}`, SCRIPT(V)],
    [`install_upgrade.escript-${V}`, ESCRIPT(V)],
  ]);
  assert.deepEqual(r.relup?.kind === 'found' && r.relup.relup, { version: V, upFrom: ['5.0.0'], downTo: ['5.0.0'] });
  assert.deepEqual(r.vars, { kind: 'found', file: `releases/emqx_vars in ${tgz}`, text: VARS });
  assert.deepEqual(r.identity, { dev: fs.statSync(tgz).dev, ino: fs.statSync(tgz).ino, size: fs.statSync(tgz).size, mtimeMs: fs.statSync(tgz).mtimeMs });
});

test('readPackage: without a hash, reading stops at the last member wanted', async () => {
  const tgz = await pkgOf(scriptsThen([{ name: 'lib/big.beam', body: randomBytes(8 << 20) }]));
  const r = await readPackage(tgz, { ...ALL, hash: false });
  assert.equal(r.sha256, null);
  assert.ok(r.bytesRead < fs.statSync(tgz).size / 4, `read ${r.bytesRead} of ${fs.statSync(tgz).size}`);
});

test('readPackage: a hash alone inflates nothing', async () => {
  const tgz = await pkgOf(scriptsThen([]));
  const r = await readPackage(tgz, { ...NOTHING, hash: true });
  assert.equal(r.entriesSeen, 0);
  assert.equal(r.sha256, sha256Of(tgz));
  assert.equal(r.bytesRead, fs.statSync(tgz).size);
});

test('readPackage: truncated after the scripts, before the relup: the scripts are read, the relup is the truncation', async () => {
  const file = path.join(scratchDir(), `emqx-${V}.tar.gz`);
  await makeTruncatedTarGz(file, [...scriptEntries(V), { name: 'lib/big.beam', size: 100_000 }], 50_000);
  const r = await readPackage(file, ALL);
  assert.equal(r.scripts?.kind, 'found');
  assert.ok(r.relup?.kind === 'error' && r.relup.error.code === 'BAD_PACKAGE' && /truncated/.test(r.relup.error.message), JSON.stringify(r.relup));
  assert.equal(r.failure?.code, 'BAD_PACKAGE');
  assert.equal(r.sha256, null, 'no digest of a pass that failed');
});

test('readPackage: hostile members are the fact of what they spoil, with the package and member named', async () => {
  const cases: { name: string; entries: Entry[]; opts?: { maxMemberBytes: number }; fact: 'scripts' | 'relup' | 'vars'; says: RegExp }[] = [
    { name: 'two relups', entries: [{ name: `releases/${V}/relup`, body: RELUP }, { name: `./releases/${V}/relup`, body: RELUP }, ...scriptEntries(V)], fact: 'relup', says: /member \.\/releases\/5\.0\.1\/relup appears twice \(also as releases\/5\.0\.1\/relup\)/ },
    { name: 'a relup that is no term', entries: [...scriptEntries(V), { name: `releases/${V}/relup`, body: '{"5.0.1", [' }], fact: 'relup', says: /is not a valid relup/ },
    { name: 'a script over the bound', entries: [{ name: `bin/emqx-${V}`, body: 'x'.repeat(2000) }, scriptEntries(V)[1]!, { name: `releases/${V}/relup`, body: RELUP }], opts: { maxMemberBytes: 1000 }, fact: 'scripts', says: /member bin\/emqx-5\.0\.1 is 2000 bytes, over the 1000-byte limit/ },
    { name: 'a relup over the bound', entries: [...scriptEntries(V), { name: `releases/${V}/relup`, body: `${RELUP}${' '.repeat(2000)}` }], opts: { maxMemberBytes: 1000 }, fact: 'relup', says: /relup is \d+ bytes, over the 1000-byte limit/ },
    { name: 'emqx_vars as a symlink', entries: [...scriptEntries(V), { name: `releases/${V}/relup`, body: RELUP }, { name: 'releases/emqx_vars', type: 'symlink', linkname: '/etc/shadow' }], fact: 'vars', says: /emqx_vars is a symlink, not a regular file/ },
    { name: 'no scripts at all', entries: [{ name: `releases/${V}/relup`, body: RELUP }, { name: 'releases/emqx_vars', body: VARS }], fact: 'scripts', says: /has no bin\/emqx-5\.0\.1 and bin\/install_upgrade\.escript-5\.0\.1/ },
  ];
  for (const c of cases) {
    const tgz = await pkgOf(c.entries);
    const r = await readPackage(tgz, { ...ALL, hash: false }, c.opts ?? {});
    const fact = r[c.fact];
    assert.ok(fact?.kind === 'error', `${c.name}: ${JSON.stringify(fact)}`);
    assert.equal(fact.error.code, 'BAD_PACKAGE', c.name);
    assert.equal(fact.error.exitCode, 65, c.name);
    assert.match(fact.error.message, c.says, c.name);
    assert.ok(fact.error.message.includes(tgz), `${c.name}: names the package`);
  }
});

test('readPackage: no emqx_vars and no relup are absent after the whole archive; a missing package fails every fact', async () => {
  const tgz = await pkgOf(scriptEntries(V));
  const r = await readPackage(tgz, ALL);
  assert.deepEqual([r.relup?.kind, r.vars?.kind, r.scripts?.kind], ['absent', 'absent', 'found']);
  assert.equal(r.sha256, sha256Of(tgz));
  const gone = await readPackage(path.join(scratchDir(), 'emqx-5.0.1.tar.gz'), ALL);
  assert.equal(gone.failure?.code, 'NOT_FOUND');
  assert.equal(gone.identity, null);
  for (const f of [gone.scripts, gone.relup, gone.vars]) assert.equal(f?.kind === 'error' && f.error.code, 'NOT_FOUND');
});

test('readPackage: a package made by erl_tar and one by GNU tar give the same facts', async () => {
  const src = scratchDir();
  const files: Record<string, string> = { [`bin/emqx-${V}`]: SCRIPT(V), [`bin/install_upgrade.escript-${V}`]: ESCRIPT(V), [`releases/${V}/relup`]: RELUP, 'releases/emqx_vars': VARS };
  for (const [n, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(src, n)), { recursive: true });
    fs.writeFileSync(path.join(src, n), body);
  }
  const gnu = path.join(scratchDir(), `emqx-${V}.tar.gz`);
  execFileSync('tar', ['-C', src, '-czf', gnu, 'releases', 'bin']);
  const erl = path.join(scratchDir(), `emqx-${V}.tar.gz`);
  const term = `[${Object.keys(files).map((f) => `{"${f}", "${path.join(src, f)}"}`).join(', ')}]`;
  execFileSync('erl', ['-noshell', '-eval', `ok = erl_tar:create("${erl}", ${term}, [compressed]), halt().`]);
  for (const tgz of [gnu, erl]) {
    const r = await readPackage(tgz, ALL);
    assert.equal(r.failure, null, tgz);
    assert.equal(r.sha256, sha256Of(tgz));
    assert.deepEqual(r.scripts?.kind === 'found' && r.scripts.files.map((f) => f.data.toString()), [SCRIPT(V), ESCRIPT(V)]);
    assert.equal(r.relup?.kind, 'found');
    assert.deepEqual(r.vars, { kind: 'found', file: `releases/emqx_vars in ${tgz}`, text: VARS });
  }
});

// releases/emqx_vars, kept as data: its text, none, or the BAD_PACKAGE error of a damaged member.
const readPackageVars = async (tgz: string) => {
  const fact = (await readPackage(tgz, { ...NOTHING, vars: true })).vars;
  assert.ok(fact);
  return fact;
};
const PKG_VARS = 'REL_VSN="5.0.1"\nexport EMQX_LOG_DIR="${EMQX_LOG_DIR:-/opt/emqx/log}"\n';

test('readPackage emqx_vars: the text of releases/emqx_vars, from GNU tar and erl_tar packages', async () => {
  const root = scratchDir();
  const dir = makeReleaseDir(path.join(root, 'rel'), { files: { 'releases/emqx_vars': PKG_VARS } });
  for (const tgz of [gnuTar(dir, path.join(root, 'emqx-5.0.1.tar.gz')), erlTar(dir, path.join(root, 'emqx-5.0.1-erl.tar.gz'))]) {
    assert.deepEqual(await readPackageVars(tgz), { kind: 'found', file: `releases/emqx_vars in ${tgz}`, text: PKG_VARS });
  }
});

test('readPackage emqx_vars: a package without it is absent, not an error', async () => {
  const root = scratchDir();
  const tgz = await craftTarGz(path.join(root, 'emqx-5.0.1.tar.gz'), [{ name: 'bin/emqx', data: '#!/bin/sh\n' }]);
  assert.deepEqual(await readPackageVars(tgz), { kind: 'absent', file: `releases/emqx_vars in ${tgz}` });
});

test('readPackage emqx_vars: a symlink or a damaged archive is a BAD_PACKAGE kept as data', async () => {
  const root = scratchDir();
  const link = await craftTarGz(path.join(root, 'emqx-5.0.1.tar.gz'), [{ name: 'releases/emqx_vars', type: 'symlink', linkname: '/etc/passwd' }]);
  const got = await readPackageVars(link);
  assert.ok(got.kind === 'error' && got.error.code === 'BAD_PACKAGE' && /member releases\/emqx_vars is a symlink, not a regular file/.test(got.error.message), JSON.stringify(got));
  const cut = path.join(root, 'emqx-5.0.2.tar.gz');
  const whole = await craftTarGz(path.join(root, 'whole.tar.gz'), [{ name: 'lib/x', data: randomBytes(3 << 20) }, { name: 'releases/emqx_vars', data: PKG_VARS }]);
  fs.writeFileSync(cut, fs.readFileSync(whole).subarray(0, 4096));
  const bad = await readPackageVars(cut);
  assert.ok(bad.kind === 'error' && bad.error.code === 'BAD_PACKAGE', JSON.stringify(bad));
});
