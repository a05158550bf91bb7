// Packages made by `emqx-relup pack` on real OTP: release_handler accepts them the way EMQX's
// escript hands them over (unpack_release("<v>/emqx") of releases/<v>/emqx.tar.gz), and a live
// node is hot-upgraded from one made with default options through the checkout's bin/emqx, which
// takes the two scripts from the front of the package and hands over to the release's runner.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { buildFixtures, FIXTURE_REPLIES, type Fixtures } from '../../scripts/fixtures/build.js';
import { inspect } from '../../src/release-tools/inspect.js';
import { pack, type PackResult } from '../../src/release-tools/pack.js';
import { readMembers } from '../helpers/pack-fixtures.js';
import { runCmd, runInSandbox, Sandbox } from '../helpers/otp.js';

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
  // Without bin/emqx_ctl-5.0.1 and bin/nodetool-5.0.1 and the .rel where the escript looks: pack adds them.
  fs.rmSync(path.join(releaseDir, 'bin', 'emqx_ctl-5.0.1'));
  fs.rmSync(path.join(releaseDir, 'bin', 'nodetool-5.0.1'));
  fs.renameSync(path.join(releaseDir, 'releases', '5.0.1', 'emqx.rel'), path.join(releaseDir, 'releases', '5.0.1', 'emqx-5.0.1.rel'));
  fromDir = await pack({ input: releaseDir, outDir: path.join(work, 'a'), platform: 'debian12-amd64', env: {} });
  fromTar = await pack({ input: fx.packages['5.0.1']!, outDir: path.join(work, 'b'), platform: 'debian12-amd64', env: {} });
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
    assert.equal(path.basename(p.package), 'emqx-5.0.1-debian12-amd64.tar.gz');
    const report = await inspect(p.package);
    assert.deepEqual(report.problems, [], p.package);
    assert.equal(report.scripts.runner?.position, 1);
    assert.equal(report.scripts.escript?.position, 2);
    const members = await readMembers(p.package);
    for (const n of ['releases/5.0.1/emqx.rel', 'bin/emqx_ctl-5.0.1', 'bin/nodetool-5.0.1']) assert.ok(members.some((m) => m.name === n), n);
    assert.ok(members.some((m) => m.name.startsWith(`erts-${fx.otp.ertsVersion}/`)));
  }
  assert.equal(fromDir.runnerFrom, 'bin/emqx');
  assert.equal(fromTar.runnerFrom, 'bin/emqx-5.0.1');
});

test('release_handler unpacks and installs a packed package on a live node', async () => {
  const { sb, pid } = await liveNode();
  // As EMQX's escript does: the package linked as releases/<v>/<rel>.tar.gz, unpacked as "<v>/<rel>".
  fs.mkdirSync(path.join(sb.root, 'releases', '5.0.1'));
  fs.copyFileSync(fromDir.package, path.join(sb.root, 'releases', '5.0.1', 'emqx.tar.gz'));
  const unpacked = await sb.erlCall('release_handler unpack_release ["5.0.1/emqx"]');
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

test('a live node is hot-upgraded through bin/emqx from a package packed with default options, and back', async () => {
  const out = path.join(work, 'c');
  fs.mkdirSync(out);
  const p = await pack({ input: releaseDir, outDir: out, env: {} });
  // Named for this machine, as EMQX's runner looks for releases/emqx-<v>-*.tar.gz.
  assert.match(path.basename(p.package), /^emqx-5\.0\.1-[a-z]+[0-9.]+-(amd64|arm64)\.tar\.gz$/);
  const { sb, pid } = await liveNode();
  const runner = fs.readFileSync(path.join(sb.root, 'bin', 'emqx'));
  fs.copyFileSync(p.package, path.join(sb.root, 'releases', path.basename(p.package)));
  fs.copyFileSync(p.sidecar, path.join(sb.root, 'releases', path.basename(p.sidecar)));
  const r = await runInSandbox(sb, ['--require-checksum', 'upgrade', '5.0.1']);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  let info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.1']);
  assert.equal(info.osPid, pid, 'hot upgrade: the emulator was not restarted');
  assert.equal((await sb.releases())['5.0.1'], 'permanent');
  // The escript copied the package's versioned files over the plain ones: the runner is the release's.
  for (const s of ['emqx', 'emqx_ctl', 'nodetool']) assert.ok(fs.readFileSync(path.join(sb.root, 'bin', s)).equals(fs.readFileSync(path.join(releaseDir, 'bin', s))), s);
  assert.ok(fs.readFileSync(path.join(sb.root, 'bin', 'emqx')).equals(runner));
  const ping = await runCmd(path.join(sb.root, 'bin', 'emqx'), ['ping'], { env: sb.env });
  assert.equal(ping.code, 0, ping.stderr);
  const down = await runInSandbox(sb, ['downgrade', '5.0.0']);
  assert.equal(down.code, 0, `${down.stdout}\n${down.stderr}`);
  info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.0']);
  assert.equal(info.osPid, pid);
  assert.equal((await sb.releases())['5.0.0'], 'permanent');
});
