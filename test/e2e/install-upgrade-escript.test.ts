// The project's install_upgrade.escript on its own, against a live fixture node: hot upgrade and
// downgrade keep the OS pid and convert the state, --no-permanent leaves emqx_vars and bin/ alone,
// and every failure exits with its documented status and leaves the node on the old code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildFixtures, FIXTURE_REPLIES, type Fixtures } from '../../scripts/fixtures/build.js';
import { assertHotUpgradedTo501, Sandbox, runCmd, snapshot, type Run } from '../helpers/otp.js';

let fx: Fixtures;
let sb: Sandbox;
let pid: number;

before(async () => {
  fx = await buildFixtures();
  sb = await Sandbox.create({ package: fx.packages['5.0.0']! });
  pid = await sb.start();
});

after(async () => {
  await sb?.cleanup();
});

function bin(name: string): string {
  return path.join(sb.root, 'bin', name);
}

/** Drops a package into releases/ and takes its versioned scripts into bin/, as the wrapper does. */
async function stagePackage(version: string): Promise<void> {
  const pkg = sb.addPackage(fx.packages[version]!);
  const r = await runCmd('tar', ['-xzf', pkg, '-C', sb.root, `bin/emqx-${version}`, `bin/install_upgrade.escript-${version}`]);
  assert.equal(r.code, 0, r.stderr);
}

function escript(scriptVersion: string, ...args: string[]): Promise<Run> {
  return runCmd(path.join(sb.ertsBin, 'escript'), [bin(`install_upgrade.escript-${scriptVersion}`), ...args], { cwd: sb.root, env: sb.env });
}

async function assertOn(version: string): Promise<void> {
  const info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES[version]);
  assert.equal(info.osPid, pid, 'the emulator was not restarted');
}

test('starts on 5.0.0 with the version-1 state', async () => {
  const info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.0']);
  assert.match(info.state, /^\{count,\d+\}$/);
  assert.equal(info.osPid, pid);
  assert.deepEqual(await sb.releases(), { '5.0.0': 'permanent' });
});

test('the legacy runner answers ping, pid, eval and versions for the node it started', async () => {
  const runner = (...args: string[]) => runCmd(bin('emqx'), args, { env: sb.env });
  let r = await runner('ping');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'pong');
  r = await runner('pid');
  assert.equal(r.stdout.trim(), String(pid));
  r = await runner('eval', 'relup_probe_server:info()');
  assert.match(r.stdout, new RegExp(`^reply=${FIXTURE_REPLIES['5.0.0']} `));
  r = await runCmd(bin('emqx-5.0.0'), ['versions'], { env: sb.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^install_upgrade\.escript-5\.0\.0: versions of emqx on /);
  assert.match(r.stdout, /\* 5\.0\.0\tpermanent/);
  r = await runner('upgrade');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /usage: emqx upgrade VERSION/);
  // Pointing at a node that is not there: the runner says so and fails.
  r = await runCmd(bin('emqx'), ['ping'], { env: { ...sb.env, EMQX_NODE__NAME: 'nobody@127.0.0.1' } });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /nobody@127\.0\.0\.1 not responding/);
});

test('upgrade 5.0.1: same pid, new reply, state converted, permanent, scripts copied', async () => {
  await stagePackage('5.0.1');
  const before = (await sb.info()).state;
  const n = Number(/\{count,(\d+)\}/.exec(before)![1]);
  const r = await escript('5.0.1', 'upgrade', sb.nodeTerm, '5.0.1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^install_upgrade\.escript-5\.0\.1: upgrade 5\.0\.1 on /);
  assert.match(r.stdout, /Made release 5\.0\.1 permanent/);
  await assertHotUpgradedTo501(sb, { count: n, osPid: pid });
  assert.deepEqual(fs.readFileSync(bin('emqx')), fs.readFileSync(bin('emqx-5.0.1')));
  assert.deepEqual(fs.readFileSync(bin('install_upgrade.escript')), fs.readFileSync(bin('install_upgrade.escript-5.0.1')));
  assert.deepEqual(fs.readFileSync(bin('emqx_ctl')), fs.readFileSync(bin('emqx_ctl-5.0.1')));
  assert.deepEqual(fs.readFileSync(bin('nodetool')), fs.readFileSync(bin('nodetool-5.0.1')));
  // As with EMQX's escript, release_handler removes only the link it was given; the package stays.
  assert.equal(fs.existsSync(path.join(sb.root, 'releases', 'emqx-5.0.1.tar.gz')), true);
  assert.equal(fs.existsSync(path.join(sb.root, 'releases', '5.0.1', 'emqx.tar.gz')), false);
});

test('upgrade to the permanent version again is a no-op that says so', async () => {
  const r = await escript('5.0.1', 'upgrade', sb.nodeTerm, '5.0.1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /already installed and permanent/);
  await assertOn('5.0.1');
});

test('versions lists every release with its status', async () => {
  const r = await escript('5.0.1', 'versions', sb.nodeTerm);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\* 5\.0\.1\tpermanent/);
  assert.match(r.stdout, /\* 5\.0\.0\told/);
});

test('downgrade 5.0.0 with the 5.0.1 script: same pid, old reply, state converted back', async () => {
  const r = await escript('5.0.1', 'downgrade', sb.nodeTerm, '5.0.0');
  assert.equal(r.code, 0, r.stderr);
  const info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.0']);
  assert.match(info.state, /^\{count,\d+\}$/);
  assert.equal(info.osPid, pid);
  assert.deepEqual(await sb.releases(), { '5.0.1': 'old', '5.0.0': 'permanent' });
  assert.equal(sb.relVsn(), '5.0.0');
  assert.deepEqual(fs.readFileSync(bin('emqx')), fs.readFileSync(bin('emqx-5.0.0')));
});

test('upgrade again to the already unpacked 5.0.1', async () => {
  const r = await escript('5.0.1', 'upgrade', sb.nodeTerm, '5.0.1');
  assert.equal(r.code, 0, r.stderr);
  await assertOn('5.0.1');
  assert.equal(sb.relVsn(), '5.0.1');
});

test('unpack then install --no-permanent 5.0.2: new code runs, emqx_vars and bin/ untouched; install makes it permanent', async () => {
  await stagePackage('5.0.2');
  const varsBefore = fs.readFileSync(path.join(sb.root, 'releases', 'emqx_vars'), 'utf8');
  let r = await escript('5.0.2', 'unpack', sb.nodeTerm, '5.0.2');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Unpacked release 5\.0\.2/);
  assert.equal((await sb.releases())['5.0.2'], 'unpacked');
  await assertOn('5.0.1');
  // The unpack added the package's new files (keep_old_files): emqx_ctl-5.0.2, nodetool-5.0.2.
  assert.ok(fs.existsSync(bin('nodetool-5.0.2')) && fs.existsSync(bin('emqx_ctl-5.0.2')));
  const binBefore = snapshot(path.join(sb.root, 'bin'));

  r = await escript('5.0.2', 'install', sb.nodeTerm, '5.0.2', '--no-permanent');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /not permanent/);
  await assertOn('5.0.2');
  assert.match((await sb.info()).state, /generation => 3,upgraded_from => '1\.0\.1'/);
  assert.deepEqual(await sb.releases(), { '5.0.2': 'current', '5.0.1': 'permanent', '5.0.0': 'old' });
  assert.equal(fs.readFileSync(path.join(sb.root, 'releases', 'emqx_vars'), 'utf8'), varsBefore);
  assert.deepEqual(snapshot(path.join(sb.root, 'bin')), binBefore);

  r = await escript('5.0.2', 'install', sb.nodeTerm, '5.0.2');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /already installed and current/);
  assert.equal((await sb.releases())['5.0.2'], 'permanent');
  assert.equal(sb.relVsn(), '5.0.2');
});

test('downgrade two versions at once, 5.0.2 -> 5.0.0', async () => {
  const r = await escript('5.0.2', 'downgrade', sb.nodeTerm, '5.0.0');
  assert.equal(r.code, 0, r.stderr);
  await assertOn('5.0.0');
  assert.equal(sb.relVsn(), '5.0.0');
});

/** A failure: exit status, one ERROR line naming the problem, node and files unchanged. */
async function assertRefused(r: Run, code: number, message: RegExp): Promise<void> {
  assert.equal(r.code, code, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /^ERROR: /m);
  assert.match(r.stderr, message);
}

test('failures exit 1..4 with a clear message and change nothing', async () => {
  const rootBefore = snapshot(path.join(sb.root, 'releases'));
  const binBefore = snapshot(path.join(sb.root, 'bin'));
  const cases: Array<[string[], number, RegExp]> = [
    [['frobnicate', sb.nodeTerm, '5.0.1'], 1, /unknown command frobnicate/],
    [['upgrade', sb.nodeTerm], 1, /missing version/],
    [['upgrade', 'not a term', '5.0.1'], 1, /bad node term/],
    [['upgrade', sb.nodeTerm, '5.0.1', '--bogus'], 1, /unknown option --bogus/],
    [['upgrade', sb.nodeTerm.replace(sb.cookie, 'wrong_cookie'), '5.0.1'], 2, /not reachable/],
    [['upgrade', sb.nodeTerm, '9.9.9'], 4, /no package matching releases\/emqx-9\.9\.9\*\.tar\.gz/],
    [['downgrade', sb.nodeTerm, '4.4.0'], 4, /4\.4\.0 is not installed/],
    [['upgrade', sb.nodeTerm, '4.4.0'], 1, /4\.4\.0 is older than the running 5\.0\.0; use `downgrade 4\.4\.0`/],
    [['downgrade', sb.nodeTerm, '5.0.2'], 1, /5\.0\.2 is newer than the running 5\.0\.0; use `upgrade 5\.0\.2`/],
    [['downgrade', sb.nodeTerm, '5.0.0-rc.1'], 4, /5\.0\.0-rc\.1 is not installed/],
    [['upgrade', sb.nodeTerm, '5.0.0-rc.1'], 1, /older than the running 5\.0\.0/],
    [['uninstall', sb.nodeTerm, '9.9.9'], 4, /not installed/],
    [['uninstall', sb.nodeTerm, '5.0.0'], 3, /5\.0\.0 is permanent/],
  ];
  for (const [args, code, message] of cases) await assertRefused(await escript('5.0.2', ...args), code, message);
  await assertOn('5.0.0');
  assert.deepEqual(snapshot(path.join(sb.root, 'releases')), rootBefore);
  assert.deepEqual(snapshot(path.join(sb.root, 'bin')), binBefore);
});

test('a damaged or mislabelled package is refused before anything is extracted; the node keeps its code', async () => {
  const good = fs.readFileSync(fx.packages['5.0.2']!);
  const pkg = path.join(sb.root, 'releases', 'emqx-5.0.9.tar.gz');
  const libNames = () => (fs.readdirSync(path.join(sb.root, 'lib'), { recursive: true }) as string[]).sort();
  const lib = libNames();
  const releases = await sb.releases();
  // Only the very end missing: every member but the last reads fine, so a lazy unpack would
  // leave nearly the whole release behind.
  const cases: Array<[Buffer, RegExp]> = [
    [good.subarray(0, good.length - 100), /emqx-5\.0\.9\.tar\.gz is damaged .*nothing was extracted/],
    [good.subarray(0, good.length >> 1), /is damaged/],
    [good, /holds no releases\/5\.0\.9\/emqx\.rel/],
  ];
  for (const [bytes, message] of cases) {
    fs.writeFileSync(pkg, bytes);
    await assertRefused(await escript('5.0.2', 'upgrade', sb.nodeTerm, '5.0.9'), 3, message);
    await assertOn('5.0.0');
    assert.deepEqual(await sb.releases(), releases);
    assert.deepEqual(libNames(), lib, 'nothing extracted into lib/');
    assert.equal(fs.existsSync(path.join(sb.root, 'releases', '5.0.9')), false);
  }
  // EMQX's glob: emqx-5.0.9*.tar.gz also matches 5.0.90's package, so neither is taken (47).
  const other = path.join(sb.root, 'releases', 'emqx-5.0.90-el8-amd64.tar.gz');
  fs.writeFileSync(other, good);
  await assertRefused(await escript('5.0.2', 'upgrade', sb.nodeTerm, '5.0.9'), 47, /more than one package for version: '5\.0\.9'.*emqx-5\.0\.90-el8-amd64\.tar\.gz/);
  assert.equal(fs.existsSync(path.join(sb.root, 'releases', '5.0.9')), false);
  fs.rmSync(other);
  fs.rmSync(pkg);
});

test('uninstall an old release', async () => {
  const r = await escript('5.0.2', 'uninstall', sb.nodeTerm, '5.0.1');
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await sb.releases())['5.0.1'], undefined);
  await assertOn('5.0.0');
});

test('node down: status 2', async () => {
  await sb.stopNode();
  const r = await escript('5.0.2', 'versions', sb.nodeTerm);
  await assertRefused(r, 2, /not reachable/);
});
