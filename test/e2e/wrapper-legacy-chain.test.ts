// The wrapper hands over to a legacy shell `emqx-5.0.1` found inside the package (what a real
// EMQX package ships): wrapper -> legacy shell emqx-5.0.1 -> install_upgrade.escript-5.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildFixtures, fixtureSourceDir, FIXTURE_REPLIES, type Fixtures } from '../../scripts/fixtures/build.js';
import { Sandbox, runCmd, runInSandbox } from '../helpers/otp.js';

let fx: Fixtures;
let sb: Sandbox;
let pid: number;

before(async () => {
  fx = await buildFixtures({ versions: ['5.0.0', '5.0.1'] });
  sb = await Sandbox.create({ package: fx.packages['5.0.0']!, extraPackages: [fx.packages['5.0.1']!] });
  pid = await sb.start();
});

after(async () => {
  await sb?.cleanup();
});

test('upgrade 5.0.1 through the legacy shell emqx-5.0.1 from the package', async () => {
  assert.equal(fs.existsSync(path.join(sb.root, 'bin', 'emqx-5.0.1')), false);
  const r = await runInSandbox(sb, ['upgrade', '5.0.1']);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  // The legacy runner is what the wrapper extracted and ran, and it ran its own escript.
  const legacy = fs.readFileSync(path.join(fixtureSourceDir(), 'release', 'emqx'));
  assert.deepEqual(fs.readFileSync(path.join(sb.root, 'bin', 'emqx-5.0.1')), legacy);
  assert.match(r.stdout, /install_upgrade\.escript-5\.0\.1: upgrade 5\.0\.1 on /);
  const info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.1']);
  assert.match(info.state, /upgraded_from => '1\.0\.0'/);
  assert.equal(info.osPid, pid);
  assert.deepEqual(await sb.releases(), { '5.0.1': 'permanent', '5.0.0': 'old' });
  assert.equal(sb.relVsn(), '5.0.1');
});

test('the release runner, now the 5.0.1 legacy shell, downgrades with its own scripts', async () => {
  // After the permanent install bin/emqx is the 5.0.1 runner; a legacy operator would run it.
  const r = await runCmd(path.join(sb.root, 'bin', 'emqx'), ['downgrade', '5.0.0'], { env: sb.env, cwd: sb.root });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /install_upgrade\.escript-5\.0\.1: downgrade 5\.0\.0 on /);
  const info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.0']);
  assert.equal(info.osPid, pid);
  assert.equal(sb.relVsn(), '5.0.0');
});

test('the wrapper upgrades again, the 5.0.1 scripts now being in bin/', async () => {
  const r = await runInSandbox(sb, ['upgrade', '5.0.1']);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.1']);
  assert.equal(info.osPid, pid);
});

test('passthrough: stop goes to the release runner, which stops the node', async () => {
  const r = await runInSandbox(sb, ['stop']);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /stopped/);
  const ping = await runInSandbox(sb, ['ping']);
  assert.notEqual(ping.code, 0);
});

test('start through the wrapper boots the permanent 5.0.1 in a new emulator', async () => {
  const r = await runInSandbox(sb, ['start'], sb.startEnv);
  const newPid = await sb.adopt();
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /emqx 5\.0\.1 is started/);
  assert.notEqual(newPid, pid);
  const info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.1']);
  assert.match(info.state, /^#\{count => 1,upgraded_from => none\}$/, 'a fresh 5.0.1 state');
  assert.deepEqual(await sb.releases(), { '5.0.1': 'permanent', '5.0.0': 'old' });
});
