// The wrapper as an operator runs it: bin/emqx and the one-file bundle, real processes, real
// GNU tar packages, a recording stand-in for erts-*/bin/escript.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { statSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync, symlinkSync, mkdirSync, readdirSync, existsSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { waitUntilOpen } from '../helpers/open-files.js';
import { cleanStaleTemps } from '../../src/package/extract.js';
import { makeFakeRoot, makePackage, runWrapper, sha256Sidecar, snapshotDir, bundle, wrapperBin, type FakeRoot } from '../helpers/fake-root.js';

function withRoot(t: { after(fn: () => void): void }, opts: Parameters<typeof makeFakeRoot>[0] = {}): FakeRoot {
  const fr = makeFakeRoot(opts);
  t.after(() => fr.cleanup());
  return fr;
}

const escriptCalls = (fr: FakeRoot) => fr.calls().filter((c) => c.prog === 'escript' && Array.isArray(c.args) && !String(c.args[0]).endsWith('nodetool'));

for (const [label, file] of [
  ['bin/emqx', wrapperBin],
  ['one-file bundle', bundle],
] as const) {
  describe(`through ${label}`, () => {
    test('upgrade: extracts only the newest scripts, hands over once, escript gets the right command line', (t) => {
      const fr = withRoot(t);
      makePackage(join(fr.root, 'releases'), { version: '5.0.1', before: { 'lib/app-1/ebin/app.beam': 'x'.repeat(5000) } });
      const before = readdirSync(join(fr.root, 'bin')).sort();
      const r = runWrapper(['--root', fr.root, 'upgrade', 'emqx-5.0.1', '--no-permanent'], {}, file);
      assert.equal(r.status, 0, r.stderr);
      const after = readdirSync(join(fr.root, 'bin')).sort();
      assert.deepEqual(after, [...before, 'emqx-5.0.1', 'install_upgrade.escript-5.0.1'].sort());
      assert.ok(!existsSync(join(fr.root, 'lib')), 'nothing else extracted');
      const legacy = fr.calls().find((c) => c.prog === 'legacy-emqx-5.0.1');
      assert.equal(legacy?.args, 'upgrade 5.0.1 --no-permanent');
      const [esc] = escriptCalls(fr);
      assert.deepEqual(esc!.args, [`${fr.root}/bin/install_upgrade.escript-5.0.1`, 'upgrade', `{'emqx', "-name", 'emqx@127.0.0.1', 'cookie'}`, '5.0.1', '--no-permanent']);
      assert.equal(esc!.env!.EMQX_RELUP_HOPS, '1');
      assert.ok(!existsSync(join(fr.root, '.emqx-relup.lock')), 'lock released');
    });

    test("the escript's exit status comes back unchanged", (t) => {
      const fr = withRoot(t);
      makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
      fr.escriptExit(3);
      assert.equal(runWrapper(['--root', fr.root, 'upgrade', '5.0.1'], {}, file).status, 3);
      fr.escriptExit(47);
      assert.equal(runWrapper(['--root', fr.root, 'install', '5.0.1'], {}, file).status, 47);
    });

    test('downgrade runs the current (newer) escript directly, with the target version', (t) => {
      const fr = withRoot(t, { version: '5.0.1' });
      const r = runWrapper(['--root', fr.root, 'downgrade', '5.0.0'], {}, file);
      assert.equal(r.status, 0, r.stderr);
      const [esc] = escriptCalls(fr);
      assert.equal(esc!.args[0], `${fr.root}/bin/install_upgrade.escript-5.0.1`);
      assert.deepEqual(esc!.args.slice(1), ['downgrade', `{'emqx', "-name", 'emqx@127.0.0.1', 'cookie'}`, '5.0.0']);
      assert.equal(esc!.cwd, fr.root);
      assert.equal(esc!.env!.IS_ENTERPRISE, 'no');
    });

    test('edition mismatch aborts with both editions named and nothing changed', (t) => {
      const fr = withRoot(t);
      makePackage(join(fr.root, 'releases'), { version: '5.0.1', enterprise: true });
      const snap = snapshotDir(fr.root);
      for (const target of ['emqx-enterprise-5.0.1', '5.0.1', 'emqx-enterprise-5.0.1.tar.gz']) {
        const r = runWrapper(['--root', fr.root, 'upgrade', target], {}, file);
        assert.equal(r.status, 78, `${target}: ${r.stderr}`);
        assert.match(r.stderr, /enterprise/);
        assert.match(r.stderr, /community/);
        assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      }
      assert.equal(snapshotDir(fr.root), snap);
    });
  });
}

test('a node that is not running stops the run before anything is extracted or locked', (t) => {
  const fr = withRoot(t);
  makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  fr.nodeUp(false);
  const snap = snapshotDir(fr.root);
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 69);
  assert.match(r.stderr, /emqx@127\.0\.0\.1 is not running.*emqx start/);
  assert.equal(snapshotDir(fr.root), snap);
});

test('no nodetool: the alive check is skipped with a warning', (t) => {
  const fr = withRoot(t, { nodetool: false });
  const r = runWrapper(['--root', fr.root, 'downgrade', '5.0.0']);
  assert.equal(r.status, 0);
  assert.match(r.stderr, /warning: .*nodetool not found/);
});

test('missing, ambiguous, unreadable-name packages: 66 and 78 with what was looked for and found', (t) => {
  const fr = withRoot(t);
  makePackage(join(fr.root, 'releases'), { version: '5.0.10' });
  makePackage(join(fr.root, 'releases'), { version: '5.0.1-rc.1' });
  const snap = snapshotDir(fr.root);
  let r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 66, r.stderr);
  assert.match(r.stderr, /emqx-5\.0\.1\.tar\.gz/);
  assert.match(r.stderr, /emqx-5\.0\.10\.tar\.gz/, 'lists what is there');
  makePackage(join(fr.root, 'releases'), { version: '5.0.1', platform: 'ubuntu20.04-amd64' });
  makePackage(join(fr.root, 'releases'), { version: '5.0.1', platform: 'el8-amd64' });
  const snap2 = snapshotDir(fr.root);
  r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 78, r.stderr);
  assert.match(r.stderr, /--package/);
  assert.equal(snapshotDir(fr.root), snap2);
  // --package picks ours, but EMQX's escript globs emqx-5.0.1*.tar.gz and would stop on four files.
  r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1', '--package', 'emqx-5.0.1-el8-amd64.tar.gz']);
  assert.equal(r.status, 78, r.stderr);
  assert.match(r.stderr, /4 files in .* match emqx-5\.0\.1\*\.tar\.gz/);
  assert.equal(snapshotDir(fr.root), snap2);
  for (const f of ['emqx-5.0.10.tar.gz', 'emqx-5.0.1-rc.1.tar.gz', 'emqx-5.0.1-ubuntu20.04-amd64.tar.gz']) rmSync(join(fr.root, 'releases', f));
  r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1', '--package', 'emqx-5.0.1-el8-amd64.tar.gz']);
  assert.equal(r.status, 0, r.stderr);
  assert.notEqual(snapshotDir(fr.root), snap);
});

test('checksum sidecar: verified when present, mismatch aborts (65), --require-checksum makes it mandatory (66)', (t) => {
  const fr = withRoot(t);
  const pkg = makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  const snap = fr.snapshot();
  let r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1', '--require-checksum']);
  assert.equal(r.status, 66, r.stderr);
  assert.equal(fr.snapshot(), snap);
  sha256Sidecar(pkg, 'ab'.repeat(32));
  r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 65, r.stderr);
  assert.match(r.stderr, /sha256/);
  assert.equal(fr.snapshot(), snap, 'bin/ unchanged after a mismatch');
  assert.ok(!existsSync(join(fr.root, 'bin', 'emqx-5.0.1')));
  sha256Sidecar(pkg);
  r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1', '--require-checksum']);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /warning/);
});

test('corrupt package and missing member: 65, bin/ byte-for-byte unchanged', (t) => {
  const fr = withRoot(t);
  const snap = fr.snapshot();
  writeFileSync(join(fr.root, 'releases', 'emqx-5.0.1.tar.gz'), 'this is not gzip');
  let r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 65, r.stderr);
  rmSync(join(fr.root, 'releases', 'emqx-5.0.1.tar.gz'));
  makePackage(join(fr.root, 'releases'), { version: '5.0.1', omitEscript: true });
  r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 65, r.stderr);
  assert.match(r.stderr, /install_upgrade\.escript-5\.0\.1/);
  assert.equal(fr.snapshot(), snap);
});

test('a zero-byte versioned script in bin/ counts as missing and is replaced from the package', (t) => {
  const fr = withRoot(t);
  makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  writeFileSync(join(fr.root, 'bin', 'emqx-5.0.1'), '');
  writeFileSync(join(fr.root, 'bin', 'install_upgrade.escript-5.0.1'), '%% present\n');
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fr.calls().some((c) => c.prog === 'legacy-emqx-5.0.1'));
});

test('scripts already in bin/: used without a package', (t) => {
  const fr = withRoot(t);
  const pkg = makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  assert.equal(runWrapper(['--root', fr.root, 'unpack', '5.0.1']).status, 0);
  rmSync(pkg); // release_handler deletes the package after unpacking
  const r = runWrapper(['--root', fr.root, 'install', '5.0.1', '--no-permanent']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(escriptCalls(fr).at(-1)!.args[1], 'install');
});

test('a script that calls the plain wrapper again is refused at the second hop (70), not looped', (t) => {
  const fr = withRoot(t);
  // A broken emqx-5.0.1 that re-enters the plain wrapper: only the hop marker can stop this.
  const evil = `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(wrapperBin)} "$@"\n`;
  makePackage(join(fr.root, 'releases'), { version: '5.0.1', runner: evil });
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 70, r.stderr);
  assert.match(r.stderr, /second hand-over/);
  assert.equal(escriptCalls(fr).length, 0);
  assert.equal(runWrapper(['--root', fr.root, 'upgrade', '5.0.1'], { EMQX_RELUP_HOPS: 'junk' }).status, 70);
});

test('the one-file wrapper inside a package becomes bin/emqx-<v> and knows its version from its name', (t) => {
  const fr = withRoot(t, { varsExtra: '' });
  mkdirSync(join(fr.root, 'lib', 'ekka-0.15.1'), { recursive: true });
  makePackage(join(fr.root, 'releases'), { version: '5.0.1', runner: readFileSync(bundle) });
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  const [esc] = escriptCalls(fr);
  assert.equal(esc!.args[0], `${fr.root}/bin/install_upgrade.escript-5.0.1`);
  assert.equal(esc!.env!.EMQX_RELUP_HOPS, '1');
  assert.match(esc!.env!.ERL_FLAGS!, /-proto_dist ekka/);
  // Run as <root>/bin/emqx-5.0.1 directly (no --root): root and version from its own path.
  const r2 = runWrapper(['downgrade', '5.0.0'], {}, join(fr.root, 'bin', 'emqx-5.0.1'));
  assert.equal(r2.status, 0, r2.stderr);
  assert.equal(escriptCalls(fr).at(-1)!.args[0], `${fr.root}/bin/install_upgrade.escript-5.0.1`);
  // Through a symlink named emqx-5.0.2: the version comes from the invoked name.
  symlinkSync(join(fr.root, 'bin', 'emqx-5.0.1'), join(fr.root, 'bin', 'emqx-5.0.2'));
  writeFileSync(join(fr.root, 'bin', 'install_upgrade.escript-5.0.2'), '%% 5.0.2\n');
  const r3 = runWrapper(['--json', '--dry-run', 'upgrade', '5.0.2'], {}, join(fr.root, 'bin', 'emqx-5.0.2'));
  assert.equal(r3.status, 0, r3.stderr);
  const plan = JSON.parse(r3.stdout);
  assert.equal(plan.currentVersion, '5.0.2');
  assert.equal(plan.action, 'run-escript');
});


test('--dry-run --json prints the whole plan and changes nothing; the cookie is not printed', (t) => {
  const fr = withRoot(t);
  const pkg = makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  const snap = snapshotDir(fr.root);
  // Not even a scratch directory: the scripts are checked in memory.
  const scratch = mkdtempSync(join(tmpdir(), 'relup-elsewhere-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  const r = runWrapper(['--root', fr.root, '--dry-run', '--json', 'upgrade', '5.0.1'], { TMPDIR: scratch });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'warnings go inside the JSON');
  assert.deepEqual(readdirSync(scratch), []);
  const plan = JSON.parse(r.stdout);
  assert.deepEqual(
    { ...plan, exec: { file: plan.exec.file, args: plan.exec.args, cwd: plan.exec.cwd } },
    {
      command: 'upgrade',
      root: fr.root,
      edition: 'community',
      currentVersion: '5.0.0',
      targetVersion: '5.0.1',
      newestVersion: '5.0.1',
      package: pkg,
      extract: ['bin/emqx-5.0.1', 'bin/install_upgrade.escript-5.0.1'],
      verify: [pkg],
      // The one pass over the package: it has no sidecar, so it is not hashed, and reading stops at the scripts.
      reads: [{ package: pkg, size: statSync(pkg).size, bytesRead: statSync(pkg).size, sha256: null }],
      action: 'exec-newer',
      exec: { file: `${fr.root}/bin/emqx-5.0.1`, args: ['upgrade', '5.0.1'], cwd: fr.root },
      emqxVars: null,
      patchesAllowed: [],
      warnings: [`no ${pkg}.sha256; the package would be used without a checksum check`],
    },
  );
  // The node's cookie only in the environment (vm.args without one, as when emqx.conf sets it).
  writeFileSync(join(fr.root, 'releases', '5.0.0', 'vm.args'), '-name emqx@127.0.0.1\n');
  const r2 = runWrapper(['--root', fr.root, '--dry-run', '--json', 'downgrade', '5.0.0'], { EMQX_NODE__COOKIE: 'TopSecret' });
  assert.equal(r2.status, 0, r2.stderr);
  assert.ok(!r2.stdout.includes('TopSecret'));
  const noVmArgs = (x: string) => x.replace(/calls\.log.*\n?/, '').replace(/releases\/5\.0\.0\/vm\.args.*\n?/, '');
  assert.equal(noVmArgs(snapshotDir(fr.root)), noVmArgs(snap));
});

test('--json errors are one JSON object on stderr', (t) => {
  const fr = withRoot(t);
  const r = runWrapper(['--root', fr.root, '--json', 'upgrade', '5.0.1']);
  assert.equal(r.status, 66);
  const e = JSON.parse(r.stderr).error;
  assert.equal(e.code, 'NOT_FOUND');
  assert.equal(e.exitCode, 66);
  assert.match(e.message, /emqx-5\.0\.1/);
});

test('bad targets are refused before any file is touched (64)', (t) => {
  const fr = withRoot(t);
  const snap = snapshotDir(fr.root);
  for (const bad of ['5.0', '../5.0.1', '5.0.1/x', '5.0.*', ' 5.0.1', '5.0.1\n', 'emqx-v5.0.1', 'emqx-5.0.1.zip', '05.0.1', '/etc/passwd', 'x'.repeat(5000)]) {
    const r = runWrapper(['--root', fr.root, 'upgrade', bad]);
    assert.equal(r.status, 64, `${JSON.stringify(bad)}: ${r.stderr}`);
  }
  assert.equal(snapshotDir(fr.root), snap);
});

test('root: --root, EMQX_ROOT, and a clear error naming --root', (t) => {
  const fr = withRoot(t);
  let r = runWrapper(['--dry-run', '--json', 'downgrade', '5.0.0'], { EMQX_ROOT: fr.root });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).root, fr.root);
  r = runWrapper(['--root', join(fr.root, 'nope'), 'upgrade', '5.0.1']);
  assert.equal(r.status, 66);
  assert.match(r.stderr, /--root/);
});

test('node name and cookie from the environment reach ping and escript; sname without @', (t) => {
  const fr = withRoot(t, { version: '5.0.1' });
  writeFileSync(join(fr.root, 'releases', '5.0.1', 'vm.args'), '-name emqx@127.0.0.1\n');
  const r = runWrapper(['--root', fr.root, 'downgrade', '5.0.0'], { EMQX_NODE__NAME: 'n1', EMQX_NODE__COOKIE: "it's\\odd" });
  assert.equal(r.status, 0, r.stderr);
  const ping = fr.calls().find((c) => Array.isArray(c.args) && String(c.args[0]).endsWith('nodetool'))!;
  assert.deepEqual(ping.args.slice(1), ['-sname', 'n1', '-setcookie', "it's\\odd", 'ping']);
  assert.equal(escriptCalls(fr)[0]!.args[2], `{'emqx', "-sname", 'n1', 'it\\'s\\\\odd'}`);
});

test('versions runs the current escript without a version argument', (t) => {
  const fr = withRoot(t);
  const r = runWrapper(['--root', fr.root, 'versions']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(escriptCalls(fr)[0]!.args.slice(0, 2), [`${fr.root}/bin/install_upgrade.escript-5.0.0`, 'versions']);
  assert.equal(escriptCalls(fr)[0]!.args.length, 3);
});

test('other commands go unchanged to <root>/bin/emqx, with its exit status', (t) => {
  const fr = withRoot(t);
  const r = runWrapper(['--root', fr.root, 'ctl', 'cluster', 'status', '--format', 'json', '-h']);
  assert.equal(r.status, 7);
  const call = fr.calls().find((c) => c.prog === 'runner')!;
  assert.equal(call.args, 'ctl cluster status --format json -h');
});

test('wrapper options after a passed-through command: --root honoured, never handed on; after -- verbatim', (t) => {
  const fr = withRoot(t);
  let r = runWrapper(['stop', '--root', fr.root]);
  assert.equal(r.status, 7, r.stderr);
  assert.equal(fr.calls().find((c) => c.prog === 'runner')!.args, 'stop');
  rmSync(join(fr.root, 'calls.log'));
  r = runWrapper(['ctl', '--root', fr.root, 'conf', '--', '--json', '--root', 'x']);
  assert.equal(r.status, 7, r.stderr);
  assert.equal(fr.calls().find((c) => c.prog === 'runner')!.args, 'ctl conf --json --root x');
});

test('stop --dry-run prints what would run (file, args, env) and runs nothing; with --json as JSON', (t) => {
  const fr = withRoot(t);
  const snap = snapshotDir(fr.root);
  let r = runWrapper(['stop', '--dry-run', '--root', fr.root]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`dry run, nothing run; would run ${fr.root}/bin/emqx stop \\(cwd .*, env \\+ EMQX_RELUP_PASSTHROUGH=${fr.root}/bin/emqx\\)`));
  r = runWrapper(['--root', fr.root, 'stop', 'now', '--dry-run', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  assert.deepEqual(plan, {
    command: 'stop',
    root: fr.root,
    action: 'passthrough',
    exec: { file: `${fr.root}/bin/emqx`, args: ['stop', 'now'], cwd: process.cwd(), env: { EMQX_RELUP_PASSTHROUGH: `${fr.root}/bin/emqx` } },
  });
  assert.deepEqual(fr.calls(), [], 'the runner never ran');
  assert.equal(snapshotDir(fr.root), snap);
});

test('refusals are one line, 64, before anything is touched: no extraction, no ping, no runner', (t) => {
  const fr = withRoot(t);
  makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  const snap = snapshotDir(fr.root);
  const cases: [string[], RegExp][] = [
    [['upgrade', '5.0.1', '--no-permanet'], /unknown option "--no-permanet" for 'upgrade' \(did you mean --no-permanent\?\); known: --no-permanent, /],
    [['upgrade', '5.0.1', '-x'], /unknown option "-x"/],
    [['upgrade', '5.0.1', '5.0.2'], /takes one target/],
    [['stop', '--package', 'p.tar.gz'], /--package means nothing for 'stop'/],
    [['start', '--require-checksum'], /--require-checksum means nothing/],
    [['ping', '--status'], /--status means nothing/],
    [['ctl', 'conf', 'show', '--json'], /--json after 'ctl'/],
  ];
  for (const [args, re] of cases) {
    const r = runWrapper(['--root', fr.root, ...args]);
    assert.equal(r.status, 64, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    if (args.includes('--json')) assert.match(JSON.parse(lines[0]!).error.message, re);
    else assert.match(lines[0]!, new RegExp(`^emqx: error: .*${re.source}.*; .+`));
  }
  assert.deepEqual(fr.calls(), [], 'no ping, no escript, no runner');
  assert.equal(snapshotDir(fr.root), snap, 'nothing extracted');
});

test('a runner that is this wrapper (link or copy) is refused (70), never recursed into', (t) => {
  const fr = withRoot(t);
  rmSync(join(fr.root, 'bin', 'emqx'));
  symlinkSync(wrapperBin, join(fr.root, 'bin', 'emqx'));
  let r = runWrapper(['--root', fr.root, 'ping']);
  assert.equal(r.status, 70, r.stderr);
  assert.match(r.stderr, /is this emqx-relup wrapper/);
  rmSync(join(fr.root, 'bin', 'emqx'));
  copyFileSync(bundle, join(fr.root, 'bin', 'emqx'));
  chmodSync(join(fr.root, 'bin', 'emqx'), 0o755);
  r = runWrapper(['--root', fr.root, 'ping']);
  assert.equal(r.status, 70, r.stderr);
  r = runWrapper(['ping'], {}, join(fr.root, 'bin', 'emqx'));
  assert.equal(r.status, 70, r.stderr);
});

test('a run while another holds the lock fails at once with its pid (75); nothing changed', async (t) => {
  const fr = withRoot(t);
  makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  const holder = spawn('sleep', ['30']);
  t.after(() => holder.kill('SIGKILL'));
  writeFileSync(join(fr.root, '.emqx-relup.lock'), `${holder.pid} 00112233445566778899aabb\n`);
  const snap = fr.snapshot();
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 75, r.stderr);
  assert.match(r.stderr, new RegExp(`pid ${holder.pid}`));
  assert.equal(fr.snapshot(), snap);
});

test('signals are forwarded to the escript and its fate becomes our exit status', async (t) => {
  const fr = withRoot(t, { version: '5.0.1' });
  writeFileSync(join(fr.root, 'escript-sleep'), '');
  const child = spawn(wrapperBin, ['--root', fr.root, 'downgrade', '5.0.0'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  // Wait until the escript stand-in has started (it logs before sleeping).
  for (let i = 0; i < 200 && escriptCalls(fr).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(escriptCalls(fr).length, 1);
  child.kill('SIGTERM');
  const code = await exited;
  assert.equal(code, 128 + 15);
  assert.ok(!existsSync(join(fr.root, '.emqx-relup.lock')), 'lock released');
});

test('--status --json reports versions, node, lock and scripts without changing anything', (t) => {
  const fr = withRoot(t);
  makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  const snap = fr.snapshot();
  const r = runWrapper(['--root', fr.root, '--status', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.currentVersion, '5.0.0');
  assert.equal(s.edition, 'community');
  assert.equal(s.nodeAlive, true);
  assert.equal(s.lockHolder, null);
  assert.deepEqual(s.versionedScripts, ['5.0.0']);
  assert.deepEqual(s.packages, ['emqx-5.0.1.tar.gz']);
  assert.ok(!r.stdout.includes('cookie"'), 'no cookie value');
  assert.equal(fr.snapshot(), snap);
});

import { randomBytes } from 'node:crypto';

test('kill -9 of the wrapper in the middle of extraction, repeated: never a partial script, next run succeeds', async (t) => {
  const fr = withRoot(t);
  // Incompressible entries before the scripts, so the extraction takes a while to reach them.
  const before: Record<string, Buffer> = {};
  for (let i = 0; i < 12; i++) before[`lib/big-${i}.bin`] = randomBytes(2 << 20);
  makePackage(join(fr.root, 'releases'), { version: '5.0.1', before });
  const bin = join(fr.root, 'bin');
  const original = fr.snapshot();
  const finals = ['emqx-5.0.1', 'install_upgrade.escript-5.0.1'];
  fr.nodeUp(true);
  // Time one full dry run (same reading work) to spread the kills over it.
  const t0 = Date.now();
  assert.equal(runWrapper(['--root', fr.root, '--dry-run', 'upgrade', '5.0.1']).status, 0);
  const full = Date.now() - t0;
  let midway = 0;
  for (const frac of [0.2, 0.4, 0.55, 0.7, 0.85, 1.0]) {
    const child = spawn(wrapperBin, ['--root', fr.root, 'upgrade', '5.0.1'], { stdio: 'ignore', env: { ...process.env, EMQX_ROOT: '' } });
    // Listen before killing: a run that already finished must not leave us waiting for nothing.
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise((r) => setTimeout(r, Math.round(full * frac)));
    child.kill('SIGKILL');
    await exited;
    let names = readdirSync(bin);
    let present = finals.filter((n) => names.includes(n));
    // A kill between the commit's two renames leaves one script and the commit journal: the next
    // run's cleanup (the same cleanStaleTemps) puts bin/ back as it was before that run.
    if (present.length === 1) {
      assert.ok(names.some((n) => /^\.relup-commit-\d+-[0-9a-f]+\.journal$/.test(n)), `frac ${frac}: one script without its commit journal`);
      await cleanStaleTemps(bin);
      names = readdirSync(bin);
      present = finals.filter((n) => names.includes(n));
      assert.deepEqual(present, [], `frac ${frac}: the journal undid the half commit`);
    }
    // Either both scripts are complete, or bin/ is as it was (temporaries aside).
    if (present.length > 0) {
      assert.deepEqual(present, finals, `frac ${frac}: both or none`);
      assert.match(readFileSync(join(bin, 'emqx-5.0.1'), 'utf8'), /legacy shell runner for 5\.0\.1/);
      rmSync(join(bin, 'emqx-5.0.1'));
      rmSync(join(bin, 'install_upgrade.escript-5.0.1'));
    } else midway++;
    // A kill inside the commit leaves its journal too; the next run rolls it back and clears it.
    const withoutTemps = fr.snapshot().split('\n').filter((l) => !/\.relup-\d+-[0-9a-f]+(\.old)?\.tmp |^\.relup-commit-\d+-[0-9a-f]+\.journal /.test(l)).join('\n');
    assert.equal(withoutTemps, original, `frac ${frac}`);
  }
  assert.ok(midway >= 1, 'at least one kill landed before the scripts were in place');
  // The next run takes over the stale lock, clears leftovers and succeeds.
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(bin).filter((n) => n.endsWith('.tmp') || n.endsWith('.journal')), []);
  assert.ok(!existsSync(join(fr.root, '.emqx-relup.lock')));
});

test('20 concurrent runs: each succeeds or says another run holds the lock; bin/ ends complete', async (t) => {
  const fr = withRoot(t);
  makePackage(join(fr.root, 'releases'), { version: '5.0.1', before: { 'lib/x.bin': randomBytes(1 << 20) } });
  const codes = await Promise.all(
    Array.from({ length: 20 }, () =>
      new Promise<{ code: number; err: string }>((resolve) => {
        const c = spawn(wrapperBin, ['--root', fr.root, 'upgrade', '5.0.1'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        c.stderr.on('data', (d) => (err += d));
        c.once('exit', (code) => resolve({ code: code ?? -1, err }));
      }),
    ),
  );
  for (const { code, err } of codes) {
    assert.ok(code === 0 || code === 75, `exit ${code}: ${err}`);
    if (code === 75) assert.match(err, /another emqx upgrade run \(pid \d+\)/);
  }
  assert.ok(codes.some((c) => c.code === 0));
  const names = readdirSync(join(fr.root, 'bin'));
  assert.ok(names.includes('emqx-5.0.1') && names.includes('install_upgrade.escript-5.0.1'));
  assert.deepEqual(names.filter((n) => n.endsWith('.tmp')), []);
  assert.ok(!existsSync(join(fr.root, '.emqx-relup.lock')));
});

import { execFileSync } from 'node:child_process';

test('--status pings an ekka node with ekka\'s ERL_FLAGS', (t) => {
  const fr = withRoot(t);
  mkdirSync(join(fr.root, 'lib', 'ekka-0.15.1'), { recursive: true });
  const r = runWrapper(['--root', fr.root, '--status', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const ping = fr.calls().find((c) => Array.isArray(c.args) && String(c.args[0]).endsWith('nodetool'))!;
  assert.match(ping.env!.ERL_FLAGS!, /-proto_dist ekka/);
});

test('nodetool gets the runner environment: RUNNER_ROOT_DIR, installed REL_VSN, IS_ENTERPRISE; operator ERL_FLAGS kept', (t) => {
  const fr = withRoot(t, { version: '5.0.1' });
  mkdirSync(join(fr.root, 'lib', 'ekka-0.15.1'), { recursive: true });
  const r = runWrapper(['--root', fr.root, 'downgrade', '5.0.0'], { REL_VSN: '4.4.4', ERL_FLAGS: '-kernel net_ticktime 10' });
  assert.equal(r.status, 0, r.stderr);
  const ping = fr.calls().find((c) => Array.isArray(c.args) && String(c.args[0]).endsWith('nodetool'))!;
  assert.equal(ping.env!.RUNNER_ROOT_DIR, fr.root);
  assert.equal(ping.env!.REL_VSN, '5.0.1');
  assert.equal(ping.env!.IS_ENTERPRISE, 'no');
  assert.match(ping.env!.ERL_FLAGS!, /^-kernel net_ticktime 10 .*-proto_dist ekka/);
  const esc = escriptCalls(fr)[0]!;
  assert.equal(esc.env!.RUNNER_ROOT_DIR, fr.root);
  assert.equal(esc.env!.REL_VSN, '5.0.1');
  assert.match(esc.env!.ERL_FLAGS!, /^-kernel net_ticktime 10 .*-proto_dist ekka/);
});

test('nodetool crashing is NODETOOL_FAILED (70) with its decisive line, not NODE_DOWN; --status says unknown', (t) => {
  const fr = withRoot(t);
  writeFileSync(join(fr.root, 'nodetool-crash'), '=ERROR REPORT==== 2-Dec-2026::09:00:00 ===\nError when reading /root/.erlang.cookie: eacces\nescript: exception error: no match\n');
  let r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 70, r.stderr);
  assert.match(r.stderr, /nodetool failed.*unknown: Error when reading \/root\/\.erlang\.cookie: eacces/);
  assert.doesNotMatch(r.stderr, /emqx start/);
  r = runWrapper(['--root', fr.root, '--json', 'upgrade', '5.0.1']);
  assert.equal(JSON.parse(r.stderr).error.code, 'NODETOOL_FAILED');
  r = runWrapper(['--root', fr.root, '--status']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^node: .*: unknown \(nodetool failed: Error when reading \/root\/\.erlang\.cookie: eacces\)$/m);
  r = runWrapper(['--root', fr.root, '--status', '--json']);
  const s = JSON.parse(r.stdout);
  assert.equal(s.nodeAlive, null);
  assert.equal(s.nodetoolError, 'Error when reading /root/.erlang.cookie: eacces');
  // A node that nodetool says is down stays NOT running / 69.
  rmSync(join(fr.root, 'nodetool-crash'));
  fr.nodeUp(false);
  r = runWrapper(['--root', fr.root, '--status']);
  assert.match(r.stdout, /: NOT running$/m);
  assert.equal(runWrapper(['--root', fr.root, 'upgrade', '5.0.1']).status, 69);
});

test('a node that is down is reported before any package problem (order: node alive, then package)', (t) => {
  const fr = withRoot(t);
  fr.nodeUp(false);
  let r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 69, r.stderr);
  makePackage(join(fr.root, 'releases'), { version: '5.0.1', platform: 'el8-amd64' });
  makePackage(join(fr.root, 'releases'), { version: '5.0.1', platform: 'el9-amd64' });
  r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 69, r.stderr);
  // The edition is judged before the node.
  r = runWrapper(['--root', fr.root, 'upgrade', 'emqx-enterprise-5.0.1']);
  assert.equal(r.status, 78, r.stderr);
});

test('--package is checked even when the scripts are already in bin/', (t) => {
  const fr = withRoot(t);
  writeFileSync(join(fr.root, 'bin', 'emqx-5.0.2'), '#!/bin/sh\n');
  writeFileSync(join(fr.root, 'bin', 'install_upgrade.escript-5.0.2'), '%% 5.0.2\n');
  const snap = fr.snapshot();
  let r = runWrapper(['--root', fr.root, '--dry-run', 'install', '5.0.2', '--package', '/nonexistent/emqx-5.0.2.tar.gz']);
  assert.equal(r.status, 66, r.stderr);
  r = runWrapper(['--root', fr.root, '--dry-run', 'install', '5.0.2', '--package', '/nonexistent/emqx-enterprise-5.0.2.tar.gz']);
  assert.equal(r.status, 78, r.stderr);
  const pkg = makePackage(join(fr.root, 'releases'), { version: '5.0.2' });
  r = runWrapper(['--root', fr.root, '--dry-run', '--json', 'upgrade', '5.0.2', '--package', pkg]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(JSON.parse(r.stdout).warnings.join(' '), /not read/);
  assert.equal(fr.snapshot(), snap);
});

test('unpack/upgrade of a package outside releases/ is refused with the copy to make (64); install may use it', (t) => {
  const fr = withRoot(t);
  const elsewhere = mkdtempSync(join(tmpdir(), 'relup-elsewhere-'));
  t.after(() => rmSync(elsewhere, { recursive: true, force: true }));
  const pkg = makePackage(elsewhere, { version: '5.0.1' });
  const snap = fr.snapshot();
  const r = runWrapper(['--root', fr.root, 'upgrade', pkg]);
  assert.equal(r.status, 64, r.stderr);
  assert.match(r.stderr, /cp .*emqx-5\.0\.1\.tar\.gz .*releases/);
  assert.equal(fr.snapshot(), snap);
  const r2 = runWrapper(['--root', fr.root, 'install', pkg]);
  assert.equal(r2.status, 0, r2.stderr);
});

test('a FIFO where the .sha256 sidecar should be is refused (65), not waited on', (t) => {
  const fr = withRoot(t);
  const pkg = makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  execFileSync('mkfifo', [`${pkg}.sha256`]);
  const snap = fr.snapshot();
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 65, r.stderr);
  assert.match(r.stderr, /not a regular file/);
  assert.equal(fr.snapshot(), snap);
});

test('a newer wrapper gets the escript arguments after --, so they are never taken for its own options', (t) => {
  const fr = withRoot(t);
  makePackage(join(fr.root, 'releases'), { version: '5.0.1', runner: readFileSync(bundle) });
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1', '--', '--dry-run']);
  assert.equal(r.status, 0, r.stderr);
  const [esc] = escriptCalls(fr);
  assert.ok(esc, 'the escript really ran');
  const args = esc!.args as string[];
  assert.deepEqual([args[1], ...args.slice(3)], ['upgrade', '5.0.1', '--dry-run']);
});

test('Ctrl-C while the package is read: exit 130, bin/ unchanged, lock freed', async (t) => {
  const fr = withRoot(t);
  const before: Record<string, Buffer> = {};
  for (let i = 0; i < 24; i++) before[`lib/big-${i}.bin`] = randomBytes(2 << 20);
  const pkg = makePackage(join(fr.root, 'releases'), { version: '5.0.1', before });
  sha256Sidecar(pkg);
  const snap = fr.snapshot();
  const child = spawn(wrapperBin, ['--root', fr.root, 'upgrade', '5.0.1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('close', (c) => r(c)));
  const lock = join(fr.root, '.emqx-relup.lock');
  // The package is read (hashed and inflated in one pass) before the lock is taken.
  assert.ok(await waitUntilOpen(child.pid!, pkg), 'the wrapper opened the package');
  child.kill('SIGINT');
  assert.equal(await exited, 130);
  assert.match(stderr, /^emqx: error: interrupted by SIGINT; nothing was changed; run the command again\n$/m);
  assert.equal(fr.snapshot(), snap);
  assert.ok(!existsSync(lock));
});

test('a passthrough marker naming another runner does not block this one', (t) => {
  const fr = withRoot(t);
  assert.equal(runWrapper(['--root', fr.root, 'ping'], { EMQX_RELUP_PASSTHROUGH: '/usr/lib/emqx/bin/emqx' }).status, 7);
});

test('the one-file build runs with node alone, far from node_modules, extraction included', (t) => {
  const fr = withRoot(t);
  const solo = mkdtempSync(join(tmpdir(), 'relup-elsewhere-'));
  t.after(() => rmSync(solo, { recursive: true, force: true }));
  copyFileSync(bundle, join(solo, 'emqx.cjs'));
  chmodSync(join(solo, 'emqx.cjs'), 0o755);
  makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1'], {}, join(solo, 'emqx.cjs'));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(fr.root, 'bin', 'emqx-5.0.1')));
  assert.ok(fr.calls().some((c) => c.prog === 'legacy-emqx-5.0.1'));
});
