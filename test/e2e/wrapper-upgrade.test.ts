// End to end: a live fixture node on 5.0.0 is hot-upgraded through the checkout's
// `bin/emqx --root R` with nothing but the 5.0.1 package in releases/. As in EMQX's packages,
// bin/emqx-<v> is the release's own runner, so the hand-over runs wrapper -> emqx-<v> (the
// EMQX-like shell runner) -> its escript, which copies the versioned scripts over the plain ones
// on a permanent install. Failures against the live node leave it on the old code with bin/ and
// releases/ unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildFixtures, FIXTURE_REPLIES, type Fixtures } from '../../scripts/fixtures/build.js';
import { assertHotUpgradedTo501, Sandbox, runCmd, runInSandbox, snapshot, type Run } from '../helpers/otp.js';
import { sha256Of } from '../helpers/support.js';

let fx: Fixtures;
let enterprise: Fixtures;
let sb: Sandbox;
let pid: number;

before(async () => {
  [fx, enterprise] = await Promise.all([buildFixtures(), buildFixtures({ edition: 'enterprise', versions: ['5.0.1'] })]);
  sb = await Sandbox.create({ package: fx.packages['5.0.0']! });
  pid = await sb.start();
});

after(async () => {
  await sb?.cleanup();
});

function releasesDir(): string {
  return path.join(sb.root, 'releases');
}

function bin(name: string): string {
  return path.join(sb.root, 'bin', name);
}

async function assertOn(version: string): Promise<void> {
  const info = await sb.info();
  assert.equal(info.reply, FIXTURE_REPLIES[version], `node should run ${version}`);
  assert.equal(info.osPid, pid, 'the emulator was not restarted');
}

function ok(r: Run): void {
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
}

/** Runs a command that must fail: exit status, error text, node and files as before. */
async function refused(args: string[], exitCode: number, message: RegExp, onVersion: string): Promise<Run> {
  const binBefore = snapshot(path.join(sb.root, 'bin'));
  const relBefore = snapshot(releasesDir());
  const r = await runInSandbox(sb, args);
  assert.equal(r.code, exitCode, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, message);
  const lines = r.stderr.trim().split('\n').filter((l) => !/^emqx: warning: /.test(l));
  assert.equal(lines.length, 1, `one error line: ${r.stderr}`);
  assert.deepEqual(snapshot(path.join(sb.root, 'bin')), binBefore, 'bin/ changed');
  assert.deepEqual(snapshot(releasesDir()), relBefore, 'releases/ changed');
  await assertOn(onVersion);
  return r;
}

test('status sees the live 5.0.0 node', async () => {
  const r = await runInSandbox(sb, ['--status', '--json']);
  ok(r);
  const s = JSON.parse(r.stdout);
  assert.equal(s.currentVersion, '5.0.0');
  assert.equal(s.edition, 'community');
  assert.equal(s.nodeAlive, true);
  assert.equal(s.node.name, sb.node);
  assert.deepEqual(s.releases, [{ version: '5.0.0', status: 'permanent' }]);
});

test('upgrade 5.0.1 with no package: 66, nothing changed', async () => {
  await refused(['upgrade', '5.0.1'], 66, /no package of version 5\.0\.1/, '5.0.0');
});

test('wrong edition: an enterprise package against a community node: 78, nothing changed', async () => {
  const pkg = sb.addPackage(enterprise.packages['5.0.1']!);
  try {
    await refused(['upgrade', 'emqx-enterprise-5.0.1'], 78, /enterprise/, '5.0.0');
    await refused(['upgrade', path.basename(pkg)], 78, /enterprise/, '5.0.0');
    await refused(['upgrade', '5.0.1'], 78, /only enterprise package/, '5.0.0');
  } finally {
    fs.rmSync(pkg);
  }
});

test('corrupt package: 65, nothing changed', async () => {
  const good = fs.readFileSync(fx.packages['5.0.1']!);
  const pkg = path.join(releasesDir(), 'emqx-5.0.1.tar.gz');
  try {
    // Gzip header intact, body cut early: the versioned scripts cannot be read.
    fs.writeFileSync(pkg, good.subarray(0, 4096));
    await refused(['upgrade', '5.0.1'], 65, /emqx-5\.0\.1\.tar\.gz is truncated/, '5.0.0');
    fs.writeFileSync(pkg, 'this is not a gzip file\n');
    await refused(['upgrade', '5.0.1'], 65, /emqx-5\.0\.1\.tar\.gz is not a gzip file/, '5.0.0');
  } finally {
    fs.rmSync(pkg, { force: true });
  }
});

test('dry run plans the hand-over to the 5.0.1 scripts and changes nothing', async () => {
  const pkg = sb.addPackage(fx.packages['5.0.1']!);
  const binBefore = snapshot(path.join(sb.root, 'bin'));
  const r = await runInSandbox(sb, ['--dry-run', '--json', 'upgrade', '5.0.1']);
  ok(r);
  const plan = JSON.parse(r.stdout);
  assert.equal(plan.currentVersion, '5.0.0');
  assert.equal(plan.newestVersion, '5.0.1');
  assert.equal(plan.action, 'exec-newer');
  assert.equal(plan.package, pkg);
  assert.deepEqual(snapshot(path.join(sb.root, 'bin')), binBefore);
  assert.ok(!r.stdout.includes(sb.cookie), 'the cookie must not be printed');
});

test('upgrade 5.0.1 with only the package in releases/: same pid, new code and state, permanent', async () => {
  assert.ok(fs.existsSync(path.join(releasesDir(), 'emqx-5.0.1.tar.gz')));
  assert.equal(fs.existsSync(bin('emqx-5.0.1')), false);
  const before = await sb.info();
  const n = Number(/\{count,(\d+)\}/.exec(before.state)![1]);
  const shellRunner = fs.readFileSync(bin('emqx'));
  const r = await runInSandbox(sb, ['upgrade', '5.0.1']);
  ok(r);
  assert.match(r.stdout, /install_upgrade\.escript-5\.0\.1: upgrade 5\.0\.1 on /);
  assert.doesNotMatch(r.stderr, /more than one process has '-root/, 'the wrapper left no second -root match for the runner');
  await assertHotUpgradedTo501(sb, { count: n, osPid: pid });
  assert.equal(fs.statSync(bin('install_upgrade.escript-5.0.1')).mode & 0o777, 0o755);
  // The escript copied the 5.0.1 runner, ctl, nodetool and escript over the plain ones: the
  // release still has its own runner, so other commands reach it, directly and through us.
  for (const s of ['emqx', 'emqx_ctl', 'nodetool', 'install_upgrade.escript']) assert.deepEqual(fs.readFileSync(bin(s)), fs.readFileSync(bin(`${s}-5.0.1`)), s);
  assert.deepEqual(fs.readFileSync(bin('emqx')), shellRunner);
  assert.doesNotMatch(fs.readFileSync(bin('emqx'), 'utf8').slice(0, 512), /@emqx-relup\/wrapper/);
  const ping = await runInSandbox(sb, ['ping']);
  ok(ping);
  assert.match(ping.stdout, /pong/);
  const direct = await runCmd(bin('emqx'), ['ping'], { env: sb.env });
  assert.equal(direct.code, 0, direct.stderr);
  assert.match(direct.stdout, /pong/);
  const status = await runInSandbox(sb, ['--status', '--json']);
  ok(status);
  assert.equal(JSON.parse(status.stdout).nodeAlive, true);
});

test('downgrade 5.0.0 runs the 5.0.1 scripts: same pid, old code back, permanent', async () => {
  const r = await runInSandbox(sb, ['downgrade', '5.0.0']);
  ok(r);
  assert.match(r.stdout, /install_upgrade\.escript-5\.0\.1: downgrade 5\.0\.0 on /);
  await assertOn('5.0.0');
  assert.match((await sb.info()).state, /^\{count,\d+\}$/);
  assert.deepEqual(await sb.releases(), { '5.0.1': 'old', '5.0.0': 'permanent' });
  assert.equal(sb.relVsn(), '5.0.0');
});

test('upgrade 5.0.1 again', async () => {
  ok(await runInSandbox(sb, ['upgrade', 'v5.0.1']));
  await assertOn('5.0.1');
  assert.equal(sb.relVsn(), '5.0.1');
});

test('damage after the scripts: the .sha256 catches it (65); without one the escript does (3); node and lib/ unchanged', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-damaged-'));
  const pkg = path.join(releasesDir(), 'emqx-5.0.2.tar.gz');
  const libNames = () => (fs.readdirSync(path.join(sb.root, 'lib'), { recursive: true }) as string[]).sort();
  const lib = libNames();
  const releases = await sb.releases();
  try {
    // bin/ and releases/ (its relup, read by the path check) come first, so the wrapper stops
    // reading long before the cut, which lands in lib/.
    const whole = fs.readFileSync(await repack(dir, 'emqx-5.0.2.tar.gz', undefined, ['releases']));
    fs.writeFileSync(pkg, whole.subarray(0, whole.length >> 1));
    fs.writeFileSync(`${pkg}.sha256`, `${sha256Of(whole)}  emqx-5.0.2.tar.gz\n`);
    await refused(['upgrade', '5.0.2'], 65, /sha256|checksum/i, '5.0.1');

    fs.rmSync(`${pkg}.sha256`);
    const r = await runInSandbox(sb, ['upgrade', '5.0.2']);
    assert.equal(r.code, 3, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /install_upgrade\.escript-5\.0\.2: upgrade 5\.0\.2 on /);
    assert.match(r.stderr, /emqx-5\.0\.2\.tar\.gz is damaged .*nothing was extracted/);
    await assertOn('5.0.1');
    assert.deepEqual(await sb.releases(), releases);
    assert.deepEqual(libNames(), lib);

    // That run left bin/emqx-5.0.2 and its escript: the package is still verified before
    // release_handler gets it, in the real run and the dry run alike.
    assert.ok(fs.existsSync(bin('install_upgrade.escript-5.0.2')));
    for (const dry of [[], ['--dry-run']]) {
      await refused([...dry, '--require-checksum', 'upgrade', '5.0.2'], 66, /emqx-5\.0\.2\.tar\.gz\.sha256 is missing and --require-checksum is set; /, '5.0.1');
    }
    fs.writeFileSync(`${pkg}.sha256`, `${sha256Of(whole)}  emqx-5.0.2.tar.gz\n`);
    for (const dry of [[], ['--dry-run']]) {
      await refused([...dry, 'upgrade', '5.0.2'], 65, /does not match emqx-5\.0\.2\.tar\.gz\.sha256: sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}; /, '5.0.1');
    }
    assert.deepEqual(await sb.releases(), releases);
    assert.deepEqual(libNames(), lib);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(pkg, { force: true });
    fs.rmSync(`${pkg}.sha256`, { force: true });
    // The next test extracts the genuine 5.0.2 scripts.
    fs.rmSync(bin('emqx-5.0.2'), { force: true });
    fs.rmSync(bin('install_upgrade.escript-5.0.2'), { force: true });
  }
});

test('unpack 5.0.2, then install --no-permanent: new code, emqx_vars untouched', async () => {
  sb.addPackage(fx.packages['5.0.2']!);
  let r = await runInSandbox(sb, ['unpack', 'emqx-5.0.2']);
  ok(r);
  assert.match(r.stdout, /Unpacked release 5\.0\.2/);
  assert.equal((await sb.releases())['5.0.2'], 'unpacked');
  await assertOn('5.0.1');
  assert.ok(fs.existsSync(bin('emqx-5.0.2')));

  const vars = fs.readFileSync(path.join(releasesDir(), 'emqx_vars'), 'utf8');
  r = await runInSandbox(sb, ['install', '5.0.2', '--no-permanent']);
  ok(r);
  assert.match(r.stdout, /not permanent/);
  await assertOn('5.0.2');
  assert.deepEqual(await sb.releases(), { '5.0.2': 'current', '5.0.1': 'permanent', '5.0.0': 'old' });
  assert.equal(fs.readFileSync(path.join(releasesDir(), 'emqx_vars'), 'utf8'), vars);
});

test('versions passes through to the current scripts', async () => {
  const r = await runInSandbox(sb, ['versions']);
  ok(r);
  assert.match(r.stdout, /\* 5\.0\.2\tcurrent/);
  assert.match(r.stdout, /\* 5\.0\.1\tpermanent/);
});

/**
 * Unpacks the 5.0.2 package, lets `edit` change the tree, and packs it again as `name` with GNU
 * tar, bin/ first (so the wrapper finds the scripts in the first few kilobytes).
 */
/** The 5.0.2 package, edited, made again by GNU tar with bin/ first (then `next`, then the rest). */
async function repack(dir: string, name: string, edit: (tree: string) => void = () => undefined, next: string[] = []): Promise<string> {
  const tree = fs.mkdtempSync(path.join(dir, 'tree-'));
  const x = await runCmd('tar', ['-xzf', fx.packages['5.0.2']!, '-C', tree]);
  assert.equal(x.code, 0, x.stderr);
  edit(tree);
  const out = path.join(dir, name);
  const rank = (n: string) => (n === 'bin' ? -1 : next.includes(n) ? next.indexOf(n) : next.length);
  const top = fs.readdirSync(tree).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
  const c = await runCmd('tar', ['-czf', out, '-C', tree, ...top]);
  assert.equal(c.code, 0, c.stderr);
  return out;
}

/** A 5.0.3 package whose .rel names an application version it does not carry. */
function brokenPackage(dir: string): Promise<string> {
  return repack(dir, 'emqx-5.0.3.tar.gz', (tree) => {
    const rel = path.join(tree, 'releases', '5.0.2', 'emqx.rel');
    fs.writeFileSync(rel, fs.readFileSync(rel, 'utf8').replace('"5.0.2"', '"5.0.3"').replace('"1.0.2"', '"1.0.3"'));
    fs.renameSync(path.join(tree, 'releases', '5.0.2'), path.join(tree, 'releases', '5.0.3'));
    // Its relup says 5.0.3 (still from 5.0.1, the running release), so the path check lets it through
    // to release_handler, which is the one to refuse it here.
    const relup = path.join(tree, 'releases', '5.0.3', 'relup');
    fs.writeFileSync(relup, fs.readFileSync(relup, 'utf8').replace('{"5.0.2",', '{"5.0.3",'));
    for (const s of ['emqx', 'install_upgrade.escript', 'emqx_ctl', 'nodetool']) {
      fs.renameSync(path.join(tree, 'bin', `${s}-5.0.2`), path.join(tree, 'bin', `${s}-5.0.3`));
    }
  });
}

test('release_handler refuses the package: the escript status comes back unchanged, node on its code', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-broken-'));
  try {
    sb.addPackage(await brokenPackage(dir));
    const before = await sb.releases();
    const r = await runInSandbox(sb, ['upgrade', '5.0.3']);
    assert.equal(r.code, 3, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /install_upgrade\.escript-5\.0\.3: upgrade 5\.0\.3 on /);
    // Unpacked (files only), but check_install_release refuses it: the code is untouched.
    assert.match(r.stderr, /ERROR: release 5\.0\.3 cannot be installed: .*relup_probe-1\.0\.3.*uninstall 5\.0\.3/);
    await assertOn('5.0.2');
    assert.deepEqual(await sb.releases(), { ...before, '5.0.3': 'unpacked' });
    assert.equal(sb.relVsn(), '5.0.1');
    // The hint works: uninstall hands over to the extracted 5.0.3 scripts.
    const u = await runInSandbox(sb, ['uninstall', '5.0.3']);
    assert.equal(u.code, 0, `${u.stdout}\n${u.stderr}`);
    assert.deepEqual(await sb.releases(), before);
    await assertOn('5.0.2');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.join(releasesDir(), 'emqx-5.0.3.tar.gz'), { force: true });
  }
});

test('node not running: 69, nothing changed', async () => {
  await sb.stopNode();
  sb.addPackage(fx.packages['5.0.1']!, 'emqx-5.0.9.tar.gz');
  const binBefore = snapshot(path.join(sb.root, 'bin'));
  const relBefore = snapshot(releasesDir());
  for (const args of [['upgrade', '5.0.2'], ['downgrade', '5.0.0'], ['upgrade', '5.0.9']]) {
    const r = await runInSandbox(sb, args);
    assert.equal(r.code, 69, `${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, new RegExp(`${sb.node.replace(/\./g, '\\.')}.*not running|not running.*${sb.node.replace(/\./g, '\\.')}`));
  }
  assert.deepEqual(snapshot(path.join(sb.root, 'bin')), binBefore);
  assert.deepEqual(snapshot(releasesDir()), relBefore);
});
