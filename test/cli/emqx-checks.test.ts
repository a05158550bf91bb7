// Checks a run makes before any script runs, real and dry alike: the checksum of the package
// release_handler will unpack (even when the scripts are already in bin/), and in the dry run
// the lock and write access the real run would hit. Each failure: one line, the documented exit
// code, bin/ and releases/ unchanged, nothing run on the node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFakeRoot, makePackage, repoRoot, runWrapper, sha256Sidecar, snapshotDir, type FakeRoot, type RunResult } from '../helpers/fake-root.js';
import { runWrapperAsNobody } from '../helpers/nobody.js';

function withRoot(t: { after(fn: () => void): void }): FakeRoot {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  return fr;
}

/** bin/ and releases/, to prove "no change on disk". */
const disk = (fr: FakeRoot) => `${snapshotDir(join(fr.root, 'bin'))}\n--\n${snapshotDir(join(fr.root, 'releases'))}`;
/** Everything run on the node but the nodetool ping: escript runs and hand-overs. */
const nodeRuns = (fr: FakeRoot) => fr.calls().filter((c) => !(c.prog === 'escript' && Array.isArray(c.args) && String(c.args[0]).endsWith('nodetool')));
const oneLine = (r: RunResult) => assert.match(r.stderr, /^emqx: error: [^\n]+; [^\n]+\n$/, r.stderr);

test('scripts already in bin/: the package to unpack is still verified (66 without sidecar under --require-checksum, 65 on mismatch), dry run too', (t) => {
  const fr = withRoot(t);
  const pkg = makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  // An earlier run without the flag extracted the scripts; release_handler has not unpacked yet.
  let r = runWrapper(['--root', fr.root, '--dry-run', 'unpack', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  r = runWrapper(['--root', fr.root, 'unpack', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(fr.root, 'bin', 'install_upgrade.escript-5.0.1')));
  const before = disk(fr);
  const ran = nodeRuns(fr).length;

  for (const dry of [[], ['--dry-run']]) {
    r = runWrapper(['--root', fr.root, ...dry, '--require-checksum', 'upgrade', '5.0.1']);
    assert.equal(r.status, 66, `${dry} ${r.stderr}`);
    oneLine(r);
    assert.match(r.stderr, /checksum file .*emqx-5\.0\.1\.tar\.gz\.sha256 is missing and --require-checksum is set; put the \.sha256 file/);
  }
  assert.equal(disk(fr), before, 'bin/ and releases/ unchanged');
  sha256Sidecar(pkg, 'ab'.repeat(32));
  const withBadSidecar = disk(fr);
  for (const dry of [[], ['--dry-run']]) {
    r = runWrapper(['--root', fr.root, ...dry, 'upgrade', '5.0.1']);
    assert.equal(r.status, 65, `${dry} ${r.stderr}`);
    oneLine(r);
    assert.match(r.stderr, /package .*emqx-5\.0\.1\.tar\.gz does not match emqx-5\.0\.1\.tar\.gz\.sha256: sha256 is [0-9a-f]{64}, expected (ab){32}; .*fetch it again/);
  }
  assert.equal(disk(fr), withBadSidecar, 'bin/ and releases/ unchanged');
  assert.equal(before.split('--')[0], withBadSidecar.split('--')[0], 'bin/ unchanged');
  assert.equal(nodeRuns(fr).length, ran, 'no script ran');

  // A command that unpacks nothing does not read the package.
  r = runWrapper(['--root', fr.root, '--dry-run', 'install', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  sha256Sidecar(pkg);
  r = runWrapper(['--root', fr.root, '--dry-run', '--json', '--require-checksum', 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  assert.equal(plan.package, null, 'nothing to extract');
  assert.deepEqual(plan.verify, [pkg]);
  assert.deepEqual(plan.warnings, []);
  r = runWrapper(['--root', fr.root, '--require-checksum', 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(nodeRuns(fr).length > ran);
});

test('dry run: a lock held by a live process is 75 naming its pid; a stale one is left alone; no lock file created', (t) => {
  const fr = withRoot(t);
  makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  const lockFile = join(fr.root, '.emqx-relup.lock');
  let r = runWrapper(['--root', fr.root, '--dry-run', 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!existsSync(lockFile), 'the dry run never locks');
  const holder = spawn('sleep', ['30']);
  t.after(() => holder.kill('SIGKILL'));
  writeFileSync(lockFile, `${holder.pid} 00112233445566778899aabb\n`);
  const before = snapshotDir(fr.root);
  r = runWrapper(['--root', fr.root, '--dry-run', 'upgrade', '5.0.1']);
  assert.equal(r.status, 75, r.stderr);
  oneLine(r);
  assert.match(r.stderr, new RegExp(`another emqx upgrade run \\(pid ${holder.pid}\\) holds .*\\.emqx-relup\\.lock; wait for it`));
  assert.equal(snapshotDir(fr.root), before);
  assert.deepEqual(nodeRuns(fr), []);
  // Stale (its pid is gone): the real run would take it over, so the dry run passes and leaves it.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  writeFileSync(lockFile, `${dead} 00112233445566778899aabb\n`);
  const stale = snapshotDir(fr.root);
  r = runWrapper(['--root', fr.root, '--dry-run', 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(snapshotDir(fr.root), stale);
});

test('dry run: bin/ or releases/ this user cannot write is 77, as the real run would be', { skip: process.getuid?.() !== 0 && 'needs root to drop to nobody' }, (t) => {
  const fr = withRoot(t);
  makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  // nobody owns the installation but bin/ (the lock in the root can be taken, bin/ not written).
  execFileSync('chown', ['-R', '65534:65534', fr.root]);
  chmodSync(fr.root, 0o755);
  chownSync(join(fr.root, 'bin'), 0, 0);
  chmodSync(join(fr.root, 'bin'), 0o755);
  const before = disk(fr);
  let r = runWrapperAsNobody(['--root', fr.root, '--dry-run', 'upgrade', '5.0.1']);
  assert.equal(r.status, 77, r.stderr);
  oneLine(r);
  assert.match(r.stderr, new RegExp(`permission denied on ${fr.root}/bin \\(while checking that the real run can write there\\); run as the user that owns the installation`));
  r = runWrapperAsNobody(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 77, `the real run fails the same way: ${r.stderr}`);
  assert.equal(disk(fr), before);
  assert.deepEqual(nodeRuns(fr), []);

  // Scripts in bin/ already, releases/ not writable: release_handler could not record the release.
  chownSync(join(fr.root, 'bin'), 65534, 65534);
  writeFileSync(join(fr.root, 'bin', 'emqx-5.0.1'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(fr.root, 'bin', 'install_upgrade.escript-5.0.1'), '%% 5.0.1\n', { mode: 0o755 });
  chownSync(join(fr.root, 'releases'), 0, 0);
  const before2 = disk(fr);
  r = runWrapperAsNobody(['--root', fr.root, '--dry-run', 'upgrade', '5.0.1']);
  assert.equal(r.status, 77, r.stderr);
  oneLine(r);
  assert.match(r.stderr, new RegExp(`permission denied on ${fr.root}/releases `));
  assert.equal(disk(fr), before2);
  assert.deepEqual(nodeRuns(fr), []);
});

/** A read-only tmpfs holding a copy of bin/ over bin/; null when this machine cannot mount one. */
function readOnlyBin(fr: FakeRoot): (() => void) | null {
  if (process.getuid?.() !== 0) return null;
  const bin = join(fr.root, 'bin');
  const copy = mkdtempSync(join(tmpdir(), 'relup-bin-'));
  cpSync(bin, copy, { recursive: true });
  const mount = (args: string[]) => spawnSync('mount', args, { stdio: 'ignore' }).status === 0;
  if (!mount(['-t', 'tmpfs', 'tmpfs', bin])) {
    rmSync(copy, { recursive: true, force: true });
    return null;
  }
  const undo = () => {
    spawnSync('umount', [bin]);
    rmSync(copy, { recursive: true, force: true });
  };
  cpSync(copy, bin, { recursive: true });
  if (!mount(['-o', 'remount,ro', bin])) {
    undo();
    return null;
  }
  return undo;
}

test('dry run: bin/ on a read-only file system is 73, as the real run would be', (t) => {
  const fr = makeFakeRoot();
  makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  const undo = readOnlyBin(fr);
  if (!undo) {
    fr.cleanup();
    t.skip('cannot mount a read-only tmpfs here (needs root); the EROFS mapping is tested in test/errors');
    return;
  }
  t.after(() => {
    undo();
    fr.cleanup();
  });
  const before = disk(fr);
  const entries = readdirSync(join(fr.root, 'bin'));
  let r = runWrapper(['--root', fr.root, '--dry-run', 'upgrade', '5.0.1']);
  assert.equal(r.status, 73, r.stderr);
  oneLine(r);
  assert.match(r.stderr, new RegExp(`cannot write ${fr.root}/bin: read-only file system \\(EROFS, while checking that the real run can write there\\); remount it read-write`));
  r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 73, `the real run fails the same way: ${r.stderr}`);
  assert.equal(disk(fr), before);
  assert.deepEqual(readdirSync(join(fr.root, 'bin')), entries);
  assert.deepEqual(nodeRuns(fr), []);
});

test("several files answer the escript's glob releases/emqx-<v>*.tar.gz: 78 naming them and the way out, real and dry, nothing changed", (t) => {
  const fr = withRoot(t);
  const rel = join(fr.root, 'releases');
  makePackage(rel, { version: '5.0.1', platform: 'ubuntu22.04-amd64' });
  makePackage(rel, { version: '5.0.10', platform: 'ubuntu22.04-amd64' });
  const before = disk(fr);
  for (const args of [['upgrade', '5.0.1'], ['--dry-run', 'upgrade', '5.0.1'], ['--package', 'emqx-5.0.1-ubuntu22.04-amd64.tar.gz', 'unpack', '5.0.1'], ['install', 'emqx-5.0.1-ubuntu22.04-amd64.tar.gz']]) {
    const r = runWrapper(['--root', fr.root, ...args]);
    assert.equal(r.status, 78, `${args.join(' ')}: ${r.stderr}`);
    oneLine(r);
    assert.match(r.stderr, /2 files in .*releases match emqx-5\.0\.1\*\.tar\.gz, which install_upgrade\.escript globs .*: emqx-5\.0\.1-ubuntu22\.04-amd64\.tar\.gz, emqx-5\.0\.10-ubuntu22\.04-amd64\.tar\.gz; move the others out of releases\/ \(e\.g\. mv .*emqx-5\.0\.10-ubuntu22\.04-amd64\.tar\.gz /);
  }
  assert.equal(disk(fr), before, 'bin/ and releases/ unchanged');
  assert.deepEqual(nodeRuns(fr), [], 'no script ran');
  // Out of the way, the same command goes on; 5.0.10 itself matches only its own glob.
  rmSync(join(rel, 'emqx-5.0.1-ubuntu22.04-amd64.tar.gz'));
  const r = runWrapper(['--root', fr.root, '--dry-run', 'upgrade', '5.0.10']);
  assert.equal(r.status, 0, r.stderr);
});

test('RUNNER_USER: run as root, the wrapper becomes that user before it pings, locks, extracts or runs a script', (t) => {
  if (process.getuid!() !== 0) return t.skip('needs root');
  const fr = makeFakeRoot({ varsExtra: 'RUNNER_USER="nobody"\n' });
  t.after(() => fr.cleanup());
  makePackage(join(fr.root, 'releases'), { version: '5.0.1', platform: 'el8-amd64' });
  execFileSync('chown', ['-R', '65534:65534', fr.root]);
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^emqx: warning: running as nobody \(RUNNER_USER in releases\/emqx_vars\), the installation's owner$/m);
  const calls = fr.calls();
  assert.ok(calls.some((c) => c.prog === 'legacy-emqx-5.0.1'), 'handed over to emqx-5.0.1');
  assert.ok(calls.filter((c) => c.prog === 'escript').length >= 2, 'ping and escript ran');
  for (const c of calls.filter((c) => c.prog === 'escript')) assert.equal(c.uid, 65534, JSON.stringify(c));
  for (const f of ['emqx-5.0.1', 'install_upgrade.escript-5.0.1']) assert.equal(statSync(join(fr.root, 'bin', f)).uid, 65534, f);
  assert.equal(existsSync(join(fr.root, '.emqx-relup.lock')), false);
});

test('RUNNER_USER: no such user is 78, another user than it and root is 77 with the commands that work; nothing changed', (t) => {
  if (process.getuid!() !== 0) return t.skip('needs root');
  const fr = makeFakeRoot({ varsExtra: 'RUNNER_USER="no-such-user-relup"\n' });
  t.after(() => fr.cleanup());
  makePackage(join(fr.root, 'releases'), { version: '5.0.1', platform: 'el8-amd64' });
  const before = disk(fr);
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 78, r.stderr);
  oneLine(r);
  assert.match(r.stderr, /sets RUNNER_USER=no-such-user-relup, but this machine has no user no-such-user-relup; create the user/);
  // As daemon (uid 1) against an installation of nobody: refused before anything is touched.
  writeFileSync(join(fr.root, 'releases', 'emqx_vars'), `${readFileSync(join(fr.root, 'releases', 'emqx_vars'), 'utf8')}RUNNER_USER="nobody"\n`);
  const varsNow = disk(fr);
  chmodSync(fr.root, 0o755);
  const copy = mkdtempSync(join(tmpdir(), 'relup-as-daemon-'));
  t.after(() => rmSync(copy, { recursive: true, force: true }));
  chmodSync(copy, 0o755);
  cpSync(join(repoRoot, 'dist', 'emqx.cjs'), join(copy, 'emqx.cjs'));
  const d = spawnSync('setpriv', ['--reuid=1', '--regid=1', '--clear-groups', process.execPath, join(copy, 'emqx.cjs'), '--root', fr.root, 'upgrade', '5.0.1'], { encoding: 'utf8' });
  assert.equal(d.status, 77, d.stderr);
  assert.match(d.stderr, /^emqx: error: this installation runs as user nobody \(RUNNER_USER in releases\/emqx_vars\), not as daemon; run it as root \(sudo emqx upgrade \.\.\.\), which switches to nobody first, or as nobody \(sudo -u nobody emqx upgrade \.\.\.\)\n$/);
  assert.notEqual(before, varsNow);
  assert.equal(disk(fr), varsNow, 'nothing changed');
  assert.deepEqual(nodeRuns(fr), [], 'no script ran');
});

test('no relup leads from the running release: refused with 78 before anything is extracted or run, dry run too; no relup at all only warns', (t) => {
  const fr = withRoot(t);
  const rel = join(fr.root, 'releases');
  const relup = '%% coding: utf-8\n{"5.0.1",[{"4.4.9",[],[point_of_no_return]},{"5.0.0-rc.1",[],[]}],[{"4.4.9",[],[]}]}.\n';
  const pkg = makePackage(rel, { version: '5.0.1', before: { 'releases/5.0.1/relup': relup } });
  const before = disk(fr);
  for (const cmd of ['upgrade', 'install', 'unpack']) {
    for (const dry of [[], ['--dry-run']]) {
      const r = runWrapper(['--root', fr.root, ...dry, cmd, '5.0.1']);
      assert.equal(r.status, 78, `${cmd} ${dry} ${r.stderr}`);
      oneLine(r);
      assert.match(r.stderr, /no upgrade path from the running 5\.0\.0 to 5\.0\.1: releases\/5\.0\.1\/relup in .*emqx-5\.0\.1\.tar\.gz upgrades only from 4\.4\.9, 5\.0\.0-rc\.1; nothing was changed; upgrade to a release 5\.0\.1 upgrades from \(4\.4\.9, 5\.0\.0-rc\.1\) first, or go to 5\.0\.1 with a restart/);
    }
  }
  const j = runWrapper(['--root', fr.root, '--json', 'upgrade', '5.0.1']);
  assert.equal(j.status, 78);
  const err = JSON.parse(j.stderr.trim().split('\n').pop()!).error;
  assert.equal(err.code, 'NO_UPGRADE_PATH');
  assert.deepEqual(err.details, { from: '5.0.0', to: '5.0.1', relup: `releases/5.0.1/relup in ${pkg}`, upFrom: ['4.4.9', '5.0.0-rc.1'], downTo: ['4.4.9'] });
  assert.equal(disk(fr), before, 'bin/ and releases/ unchanged');
  assert.deepEqual(nodeRuns(fr), [], 'no script ran');

  // The same package with a relup from 5.0.0: the run goes on; without a relup: a warning, and on.
  rmSync(pkg);
  makePackage(rel, { version: '5.0.1', before: { 'releases/5.0.1/relup': relup.replace('"4.4.9",[],[point', '"5.0.0",[],[point') } });
  let r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /relup is missing|upgrade path/);
  rmSync(join(fr.root, 'bin', 'emqx-5.0.1'));
  rmSync(join(fr.root, 'bin', 'install_upgrade.escript-5.0.1'));
  rmSync(pkg);
  makePackage(rel, { version: '5.0.1', relup: null });
  r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: releases\/5\.0\.1\/relup in .* is missing: release_handler will unpack 5\.0\.1 but cannot install it over the running 5\.0\.0/);
  assert.ok(existsSync(join(fr.root, 'bin', 'install_upgrade.escript-5.0.1')), 'the run went on');
});

test('downgrade: the installed newer release\'s relup must go down to the target (78 otherwise)', (t) => {
  const fr = makeFakeRoot({ version: '5.0.2' });
  t.after(() => fr.cleanup());
  const relup = join(fr.root, 'releases', '5.0.2', 'relup');
  writeFileSync(relup, '{"5.0.2",[{"5.0.1",[],[]},{"5.0.0",[],[]}],[{"5.0.1",[],[]}]}.\n');
  const before = disk(fr);
  let r = runWrapper(['--root', fr.root, 'downgrade', '5.0.0']);
  assert.equal(r.status, 78, r.stderr);
  oneLine(r);
  assert.match(r.stderr, /no downgrade path from the running 5\.0\.2 to 5\.0\.0: .*releases\/5\.0\.2\/relup downgrades only to 5\.0\.1; nothing was changed; downgrade to 5\.0\.1, or go to 5\.0\.0 with a restart/);
  assert.equal(disk(fr), before);
  assert.deepEqual(nodeRuns(fr), []);
  r = runWrapper(['--root', fr.root, 'downgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(nodeRuns(fr).length, 1, 'the escript of 5.0.2 ran');
  rmSync(relup);
  r = runWrapper(['--root', fr.root, 'downgrade', '5.0.1']);
  assert.equal(r.status, 78, r.stderr);
  assert.match(r.stderr, /releases\/5\.0\.2\/relup is missing, so 5\.0\.2 has no hot downgrade/);
});

test('EMQX_NODE__COOKIE not the node\'s: refused in one line before anything runs or changes, neither cookie printed, dry run too', (t) => {
  const fr = withRoot(t);
  makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  const before = disk(fr);
  for (const args of [['--dry-run', 'upgrade', '5.0.1'], ['upgrade', '5.0.1'], ['--json', 'upgrade', '5.0.1']]) {
    const r = runWrapper(['--root', fr.root, ...args], { EMQX_NODE__COOKIE: 'NotTheNodes' });
    assert.equal(r.status, 78, r.stderr);
    if (args[0] !== '--json') {
      oneLine(r);
      assert.match(r.stderr, new RegExp(`EMQX_NODE__COOKIE in the environment is not the cookie ${fr.root}/releases/5\\.0\\.0/vm\\.args gives node emqx@127\\.0\\.0\\.1`));
    } else assert.equal(JSON.parse(r.stderr.trim()).error.code, 'COOKIE_MISMATCH');
    // Neither the operator's cookie nor the node's ('cookie' in the fake root's vm.args).
    assert.doesNotMatch(r.stdout + r.stderr, /NotTheNodes|-setcookie|'cookie'/);
  }
  assert.equal(disk(fr), before);
  assert.deepEqual(nodeRuns(fr), []);
  // The node's own cookie in the environment goes on.
  assert.equal(runWrapper(['--root', fr.root, '--dry-run', 'upgrade', '5.0.1'], { EMQX_NODE__COOKIE: 'cookie' }).status, 0);
});

test('hot patches in <data_dir>/patches: refused in one line naming the modules, real run and dry run, nothing changed; --allow-patches goes on and the run log says so', (t) => {
  const fr = withRoot(t);
  makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  // node.data_dir of etc/emqx.conf, as EMQX's deb/rpm put it elsewhere than <root>/data.
  mkdirSync(join(fr.root, 'etc'));
  writeFileSync(join(fr.root, 'etc', 'emqx.conf'), 'node {\n  name = "emqx@127.0.0.1"\n  data_dir = "var/lib"\n}\n');
  mkdirSync(join(fr.root, 'var', 'lib', 'patches'), { recursive: true });
  for (const m of ['emqx_cm', 'emqx_broker']) writeFileSync(join(fr.root, 'var', 'lib', 'patches', `${m}.beam`), 'FOR1');
  const before = disk(fr);
  for (const args of [['--dry-run', 'upgrade', '5.0.1'], ['upgrade', '5.0.1']]) {
    const r = runWrapper(['--root', fr.root, ...args]);
    assert.equal(r.status, 78, r.stderr);
    oneLine(r);
    assert.match(r.stderr, new RegExp(`^emqx: error: ${fr.root}/var/lib/patches holds hot patches \\(emqx_broker, emqx_cm\\), loaded before the release's own modules; nothing was changed; .*--allow-patches`));
  }
  assert.equal(disk(fr), before);
  assert.deepEqual(nodeRuns(fr), []);
  const dry = runWrapper(['--root', fr.root, '--dry-run', '--json', 'upgrade', '5.0.1', '--allow-patches']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.deepEqual(JSON.parse(dry.stdout).patchesAllowed, ['emqx_broker', 'emqx_cm']);
  const r = runWrapper(['--root', fr.root, '--allow-patches', 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: going on with the hot patches in .*\/var\/lib\/patches \(emqx_broker, emqx_cm\) as --allow-patches says/);
  const log = readFileSync(join(fr.root, 'log', 'emqx-relup.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(log.at(-1).patchesAllowed, ['emqx_broker', 'emqx_cm']);
  // unpack loads no code: not held to it.
  assert.equal(runWrapper(['--root', fr.root, '--dry-run', 'unpack', '5.0.1']).status, 0);
});
