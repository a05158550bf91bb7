// gather(): the facts the wrapper decides on, read from real release roots (temp dirs) with the
// fake root's stand-in nodetool. Each fact's effect is proved once here; what is decided on them
// is decide.test.ts's table. The last test runs the plain-escript fallback for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gather, hopsFrom, type GatherRequest } from '../src/gather.js';
import { makeFakeRoot, makePackage, runWrapper, type FakeRoot } from './helpers/fake-root.js';

function request(fr: FakeRoot, over: Partial<GatherRequest> = {}): GatherRequest {
  return { command: 'upgrade', target: '5.0.1', passArgs: [], rootFlag: fr.root, packageFlag: null, invoked: join(fr.root, 'bin', 'emqx'), cwd: fr.root, env: {}, requireChecksum: false, dryRun: false, json: false, ...over };
}

test('gather: scripts in bin/ count only when both are non-empty files', async (t) => {
  const fr = makeFakeRoot({ versionedScripts: true });
  t.after(() => fr.cleanup());
  writeFileSync(join(fr.root, 'bin', 'emqx-5.0.1'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(fr.root, 'bin', 'install_upgrade.escript-5.0.1'), '');
  let { facts } = await gather(request(fr));
  assert.deepEqual(facts.scriptsInBin, ['5.0.0'], 'an empty escript of 5.0.1 is no script');
  writeFileSync(join(fr.root, 'bin', 'install_upgrade.escript-5.0.1'), '%% x\n');
  ({ facts } = await gather(request(fr)));
  assert.deepEqual(facts.scriptsInBin, ['5.0.0', '5.0.1']);
  assert.equal(facts.plainEscript, true);
  writeFileSync(join(fr.root, 'bin', 'install_upgrade.escript'), '');
  ({ facts } = await gather(request(fr)));
  assert.equal(facts.plainEscript, false, 'an empty plain escript is none');
});

test('gather: probes the packages of the versions in play and the named one, no others', async (t) => {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  const rel = join(fr.root, 'releases');
  const p1 = makePackage(rel, { version: '5.0.1', platform: 'ubuntu22.04-amd64' });
  makePackage(rel, { version: '5.0.2' });
  const elsewhere = join(fr.root, 'elsewhere');
  mkdirSync(elsewhere);
  const named = makePackage(elsewhere, { version: '5.0.1' });
  const { facts } = await gather(request(fr, { command: 'install', packageFlag: named }));
  assert.deepEqual(Object.keys(facts.probes).sort(), [named, p1].sort());
  for (const p of Object.values(facts.probes)) assert.ok('size' in p && p.size > 0);
  assert.ok(Array.isArray(facts.releases) && facts.releases.includes('emqx-5.0.2.tar.gz'), 'listed, though not probed');
});

test('gather: a package that cannot be opened is kept as data, not thrown', async (t) => {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  // A dangling link answers the listing but not the open (the permission case: locate.test.ts).
  const gone = join(fr.root, 'releases', 'emqx-5.0.1-el8-amd64.tar.gz');
  symlinkSync(join(fr.root, 'nowhere.tar.gz'), gone);
  const { facts } = await gather(request(fr));
  const probe = facts.probes[gone];
  assert.ok(probe && 'error' in probe && probe.error.code === 'NOT_FOUND');
});

test('gather: a package path is placed by real directories (a symlinked releases/ is releases/)', async (t) => {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  const p1 = makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  const link = join(fr.root, 'rel-link');
  symlinkSync(join(fr.root, 'releases'), link);
  const { facts } = await gather(request(fr, { target: join(link, 'emqx-5.0.1.tar.gz') }));
  assert.equal(facts.place?.namedDir, facts.place?.releasesDir);
  assert.ok(facts.probes[join(link, 'emqx-5.0.1.tar.gz')] && p1);
  const bare = await gather(request(fr, { target: 'emqx-5.0.1.tar.gz' }));
  assert.equal(bare.facts.place, null, 'a bare file name is in releases/ by definition');
});

test('gather: the target status from RELEASES, start.boot, hops and the ping', async (t) => {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  writeFileSync(join(fr.root, 'releases', 'RELEASES'), '[{release,"emqx","5.0.1","13.1",[],unpacked},{release,"emqx","5.0.0","13.1",[],permanent}].\n');
  mkdirSync(join(fr.root, 'releases', '5.0.1'));
  writeFileSync(join(fr.root, 'releases', '5.0.1', 'start.boot'), 'x');
  let { facts } = await gather(request(fr, { env: { EMQX_RELUP_HOPS: '1' } }));
  assert.equal(facts.targetStatus, 'unpacked');
  assert.equal(facts.targetStartBoot, true);
  assert.equal(facts.hops, 1);
  assert.deepEqual(facts.ping, { kind: 'alive' });
  fr.nodeUp(false);
  rmSync(join(fr.root, 'releases', 'RELEASES'));
  ({ facts } = await gather(request(fr)));
  assert.equal(facts.targetStatus, null, 'no RELEASES: unknown');
  assert.equal(facts.ping.kind, 'down');
});

test('gather: relups of the running and target releases from disk, and going up, of the target packages', async (t) => {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  const rel = join(fr.root, 'releases');
  const p1 = makePackage(rel, { version: '5.0.1', platform: 'el8-amd64', relup: '{"5.0.1",[{"4.4.9",[],[]}],[]}.\n' });
  const p2 = makePackage(rel, { version: '5.0.1', platform: 'ubuntu22.04-amd64', relup: null });
  writeFileSync(join(rel, 'RELEASES'), '[{release,"emqx","5.0.0","13.1",[],permanent}].\n');
  const { facts } = await gather(request(fr));
  assert.equal(facts.runningRelease, '5.0.0');
  assert.deepEqual(facts.installedRelups['5.0.0'], { kind: 'found', file: join(rel, '5.0.0', 'relup'), relup: { version: '5.0.0', upFrom: ['4.4.9'], downTo: ['4.4.9'] } });
  assert.deepEqual(facts.installedRelups['5.0.1'], { kind: 'absent', file: join(rel, '5.0.1', 'relup') });
  assert.deepEqual(facts.reads[p1]?.relup, { kind: 'found', file: `releases/5.0.1/relup in ${p1}`, relup: { version: '5.0.1', upFrom: ['4.4.9'], downTo: [] } });
  assert.equal(facts.reads[p2]?.relup?.kind, 'absent');
  // Their releases/emqx_vars from the same pass, for the lines the target's runner expects.
  assert.deepEqual(Object.keys(facts.reads).sort(), [p1, p2].sort());
  assert.ok(facts.reads[p1]?.vars?.kind === 'found' && facts.reads[p1].vars.text.includes('REL_VSN="5.0.1"'));
  // A damaged relup on disk is kept as data, for the decision to raise.
  writeFileSync(join(rel, '5.0.0', 'relup'), '{"5.0.0",');
  const down = await gather(request(fr, { command: 'downgrade', target: '4.4.9' }));
  const bad = down.facts.installedRelups['5.0.0'];
  assert.ok(bad?.kind === 'error' && bad.error.code === 'CONFIG' && /5\.0\.0\/relup is not a valid relup/.test(bad.error.message));
  assert.deepEqual(Object.values(down.facts.reads).map((r) => r.relup), [], 'going down, no package relup is read');
  assert.deepEqual(Object.values(down.facts.reads).map((r) => r.vars), [], 'nor its emqx_vars');
  const none = await gather(request(fr, { command: 'uninstall' }));
  assert.deepEqual(none.facts.installedRelups, {}, 'uninstall has no path to check');
  assert.deepEqual(Object.values(none.facts.reads).map((r) => [r.needs.scripts, r.relup]), [['5.0.1', null], ['5.0.1', null]], 'only the scripts of the newest 5.0.1');
});

test('gather: no nodetool is a fact, not an error', async (t) => {
  const fr = makeFakeRoot({ nodetool: false });
  t.after(() => fr.cleanup());
  const { facts } = await gather(request(fr));
  assert.deepEqual(facts.ping, { kind: 'no-nodetool' });
});

test('hopsFrom: absent or empty is 0, a malformed marker counts as a hop made', () => {
  assert.equal(hopsFrom({}), 0);
  assert.equal(hopsFrom({ EMQX_RELUP_HOPS: '' }), 0);
  assert.equal(hopsFrom({ EMQX_RELUP_HOPS: '1' }), 1);
  assert.equal(hopsFrom({ EMQX_RELUP_HOPS: 'x' }), 1);
  assert.equal(hopsFrom({ EMQX_RELUP_HOPS: '99999' }), 1);
});

test('the plain escript really runs: bin/emqx versions on a root without versioned scripts', (t) => {
  const fr = makeFakeRoot({ versionedScripts: false });
  t.after(() => fr.cleanup());
  const r = runWrapper(['--root', fr.root, 'versions']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /install_upgrade\.escript-5\.0\.0 is missing and no package of 5\.0\.0 is in releases\/; using bin\/install_upgrade\.escript of the installed 5\.0\.0/);
  const esc = fr.calls().filter((c) => c.prog === 'escript' && Array.isArray(c.args) && !String(c.args[0]).endsWith('nodetool'));
  assert.equal(esc.length, 1);
  assert.deepEqual(esc[0]!.args, [`${fr.root}/bin/install_upgrade.escript`, 'versions', `{'emqx', "-name", 'emqx@127.0.0.1', 'cookie'}`]);
});

test('gather: a package relup is read going up, not for a node that does not answer', async (t) => {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  const p1 = makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  let { facts } = await gather(request(fr));
  assert.deepEqual(Object.keys(facts.reads), [p1]);
  assert.equal(facts.reads[p1]?.relup?.kind, 'found');
  fr.nodeUp(false);
  ({ facts } = await gather(request(fr)));
  assert.equal(facts.ping.kind, 'down');
  assert.equal(facts.reads[p1]?.relup, null, 'decide refuses the down node before the path check');
});
