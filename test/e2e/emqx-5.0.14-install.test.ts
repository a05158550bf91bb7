// EIP-0022's own case on an installation shaped like an EMQX 5.0.14 deb/rpm install: the installed
// version's install_upgrade.escript refuses every upgrade ("Unsupported upgrade path", as 5.0.14's
// and 5.0.15's did), and the root belongs to RUNNER_USER, whose runner re-runs itself through
// `su -` when started as root. Through the checkout's bin/emqx, run as root, the wrapper becomes
// that user, the newer version's scripts run, and the live node is upgraded and downgraded with
// the same OS pid; plain commands still reach the runner, which finds its node by `ps`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildFixtures, FIXTURE_REPLIES, repoRoot, type Fixtures } from '../../scripts/fixtures/build.js';
import { runCmd, runInSandbox, Sandbox, type Run } from '../helpers/otp.js';

/** A system user with a shell, as EMQX's deb postinst creates `emqx` (su - needs a shell). */
const USER = 'emqx-relup-test';

let fx: Fixtures;
let sb: Sandbox;
let pid: number;
let uid: number;
let gid: number;

function ensureUser(): void {
  try {
    execFileSync('getent', ['passwd', USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--shell', '/bin/sh', '--home-dir', '/tmp', '--no-create-home', USER], { stdio: 'pipe' });
  }
  uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }));
  gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }));
}

const bin = (name: string) => path.join(sb.root, 'bin', name);
const ok = (r: Run) => assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);

before(async () => {
  assert.equal(process.getuid!(), 0, 'these tests run as root, as an operator with sudo would');
  ensureUser();
  fx = await buildFixtures({ versions: ['5.0.0', '5.0.1'] });
  sb = await Sandbox.create({ package: fx.packages['5.0.0']! });
  const refusing = path.join(repoRoot(), 'scripts', 'fixtures', 'release', 'install_upgrade_refuses.escript');
  for (const f of ['install_upgrade.escript', 'install_upgrade.escript-5.0.0']) fs.copyFileSync(refusing, bin(f));
  fs.appendFileSync(path.join(sb.root, 'releases', 'emqx_vars'), `RUNNER_USER="${USER}"\n`);
  sb.addPackage(fx.packages['5.0.1']!, 'emqx-5.0.1-el8-amd64.tar.gz', { sha256: true });
  execFileSync('chown', ['-R', `${uid}:${gid}`, sb.root]);
  // Started as the user (as systemd's unit does), so no `su` wipes the sandbox's name and cookie.
  const start = await runCmd('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--init-groups', bin('emqx'), 'start'], { env: { ...sb.env, ...sb.startEnv, HOME: '/tmp' }, timeoutMs: 60_000 });
  ok(start);
  pid = await sb.adopt();
});

after(async () => {
  await sb?.cleanup();
});

test("the installed version's own scripts refuse the upgrade (the trap EIP-0022 fixes)", async () => {
  const r = await runCmd(bin('emqx'), ['upgrade', '5.0.1'], { env: sb.env });
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /ERROR: Unsupported upgrade path/);
  assert.equal((await sb.info()).reply, FIXTURE_REPLIES['5.0.0']);
  assert.deepEqual(await sb.releases(), { '5.0.0': 'permanent' });
});

test('bin/emqx as root: becomes RUNNER_USER, runs the 5.0.1 scripts, same pid, permanent, files owned by the user', async () => {
  const r = await runInSandbox(sb, ['--require-checksum', 'upgrade', '5.0.1']);
  ok(r);
  assert.match(r.stderr, new RegExp(`running as ${USER} \\(RUNNER_USER in releases/emqx_vars\\)`));
  assert.match(r.stdout, /install_upgrade\.escript-5\.0\.1: upgrade 5\.0\.1 on /);
  const info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.1']);
  assert.equal(info.osPid, pid, 'a hot upgrade, not a restart');
  assert.deepEqual(await sb.releases(), { '5.0.1': 'permanent', '5.0.0': 'old' });
  assert.equal(sb.relVsn(), '5.0.1');
  for (const f of ['emqx-5.0.1', 'install_upgrade.escript-5.0.1', 'emqx', 'install_upgrade.escript']) assert.equal(fs.statSync(bin(f)).uid, uid, f);
  assert.equal(fs.existsSync(path.join(sb.root, '.emqx-relup.lock')), false);
});

test('plain commands as root still reach the runner, which su-s to RUNNER_USER and finds its node by ps', async () => {
  const through = await runInSandbox(sb, ['ping']);
  ok(through);
  assert.match(through.stdout, /pong/);
  const direct = await runCmd(bin('emqx'), ['ping'], { env: sb.env });
  ok(direct);
  assert.match(direct.stdout, /pong/);
  const status = await runInSandbox(sb, ['--status', '--json']);
  ok(status);
  const s = JSON.parse(status.stdout);
  assert.equal(s.nodeAlive, true);
  assert.equal(s.currentVersion, '5.0.1');
});

test('downgrade 5.0.0 with the 5.0.1 scripts: same pid, and the refusing escript is back in place', async () => {
  const r = await runInSandbox(sb, ['downgrade', '5.0.0']);
  ok(r);
  assert.match(r.stdout, /install_upgrade\.escript-5\.0\.1: downgrade 5\.0\.0 on /);
  const info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.0']);
  assert.equal(info.osPid, pid);
  assert.deepEqual(await sb.releases(), { '5.0.1': 'old', '5.0.0': 'permanent' });
  assert.match(fs.readFileSync(bin('install_upgrade.escript'), 'utf8'), /Unsupported upgrade path/);
  // And up again: the 5.0.1 scripts are in bin/ now, the wrapper hands over without extracting.
  ok(await runInSandbox(sb, ['upgrade', '5.0.1']));
  assert.equal((await sb.info()).osPid, pid);
  assert.equal(sb.relVsn(), '5.0.1');
});
