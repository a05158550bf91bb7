// Issue 4's proof on real OTP: packages made by `emqx-relup pack` from the fixture releases are
// accepted by release_handler (unpack_release, install_release) on a live node, and a live node is
// hot-upgraded from one through the checkout's bin/emqx, which takes the two scripts from the
// front of the package.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { buildFixtures, FIXTURE_REPLIES, type Fixtures } from '../../scripts/fixtures/build.js';
import { inspect } from '../../src/package/inspect.js';
import { pack, type PackResult } from '../../src/package/pack.js';
import { readMembers } from '../helpers/pack-fixtures.js';
import { runCmd, runWrapper, Sandbox, wrapperBundle } from '../helpers/otp.js';

let fx: Fixtures;
let work: string;
/** The 5.0.1 release unpacked, without its versioned scripts: pack has to make them. */
let releaseDir: string;
let fromDir: PackResult;
let fromTar: PackResult;
const sandboxes: Sandbox[] = [];

before(async () => {
  fx = await buildFixtures({ versions: ['5.0.0', '5.0.1'] });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-e2e-pack-'));
  releaseDir = path.join(work, 'rel');
  fs.mkdirSync(releaseDir);
  const untar = await runCmd('tar', ['-xzf', fx.packages['5.0.1']!, '-C', releaseDir]);
  assert.equal(untar.code, 0, untar.stderr);
  fs.rmSync(path.join(releaseDir, 'bin', 'emqx-5.0.1'));
  fs.rmSync(path.join(releaseDir, 'bin', 'install_upgrade.escript-5.0.1'));
  for (const d of ['a', 'b']) fs.mkdirSync(path.join(work, d));
  fromDir = await pack({ input: releaseDir, outDir: path.join(work, 'a'), env: {} });
  fromTar = await pack({ input: fx.packages['5.0.1']!, outDir: path.join(work, 'b'), env: {} });
});

after(async () => {
  for (const sb of sandboxes) await sb.cleanup();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function liveNode(): Promise<{ sb: Sandbox; pid: number }> {
  const sb = await Sandbox.create({ package: fx.packages['5.0.0']! });
  sandboxes.push(sb);
  const pid = await sb.start();
  assert.equal((await sb.info()).reply, FIXTURE_REPLIES['5.0.0']);
  return { sb, pid };
}

test('packs of the fixture release: scripts first, inspect finds no problem', async () => {
  for (const p of [fromDir, fromTar]) {
    assert.equal(path.basename(p.package), 'emqx-5.0.1.tar.gz');
    const report = await inspect(p.package);
    assert.deepEqual(report.problems, [], p.package);
    assert.equal(report.scripts.runner?.position, 1);
    assert.equal(report.scripts.escript?.position, 2);
    const members = await readMembers(p.package);
    assert.ok(members.some((m) => m.name === 'releases/emqx-5.0.1.rel'));
    assert.ok(members.some((m) => m.name.startsWith(`erts-${fx.otp.ertsVersion}/`)));
  }
  assert.equal(fromDir.runnerFrom, 'bin/emqx');
  assert.equal(fromTar.runnerFrom, 'bin/emqx-5.0.1');
});

test('release_handler unpacks and installs a packed package on a live node', async () => {
  const { sb, pid } = await liveNode();
  fs.copyFileSync(fromDir.package, path.join(sb.root, 'releases', 'emqx-5.0.1.tar.gz'));
  const unpacked = await sb.erlCall('release_handler unpack_release ["emqx-5.0.1"]');
  assert.equal(unpacked.code, 0, unpacked.stderr);
  assert.match(unpacked.stdout, /\{ok,\s*"5\.0\.1"\}/);
  const installed = await sb.erlCall('release_handler install_release ["5.0.1"]');
  assert.match(installed.stdout, /\{ok,\s*"5\.0\.0",\s*\[\]\}/);
  const info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.1']);
  assert.equal(info.osPid, pid, 'hot upgrade: the emulator was not restarted');
  assert.equal((await sb.releases())['5.0.1'], 'current');
  // release_handler put the versioned scripts from the package into bin/ too.
  assert.ok(fs.readFileSync(path.join(sb.root, 'bin', 'emqx-5.0.1')).equals(fs.readFileSync(path.join(releaseDir, 'bin', 'emqx'))));
});

test('a live node is hot-upgraded through bin/emqx from a packed package and its sidecar', async () => {
  const bundle = wrapperBundle();
  const out = path.join(work, 'c');
  fs.mkdirSync(out);
  // With the one-file wrapper as bin/emqx-5.0.1: wrapper -> wrapper -> escript.
  const p = await pack({ input: releaseDir, outDir: out, wrapper: true, wrapperPath: bundle, env: {} });
  const { sb, pid } = await liveNode();
  fs.copyFileSync(p.package, path.join(sb.root, 'releases', 'emqx-5.0.1.tar.gz'));
  fs.copyFileSync(p.sidecar, path.join(sb.root, 'releases', 'emqx-5.0.1.tar.gz.sha256'));
  const r = await runWrapper(sb, ['--require-checksum', 'upgrade', '5.0.1']);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.1']);
  assert.equal(info.osPid, pid, 'hot upgrade: the emulator was not restarted');
  assert.equal((await sb.releases())['5.0.1'], 'permanent');
  const runner = fs.readFileSync(path.join(sb.root, 'bin', 'emqx-5.0.1'));
  assert.ok(runner.equals(fs.readFileSync(bundle)));
});
