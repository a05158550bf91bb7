// execute() and dryRun() as an operator runs them (real wrapper processes on fake roots, real
// tarballs): each package is read once per process, counted by the one reader's own counter as
// the run log and the dry run's plan report it; a hand-over carries what was read so the newer
// wrapper reads nothing again, and refuses a package replaced in between; a kill during the read
// leaves nothing. Then the package's emqx_vars lines for the newer runner: the dry run lists them,
// the real run writes them durably before the hand-over and records them, refusals change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle, fakeVars, legacyRunner, makeFakeRoot, makePackage, runWrapper, sha256Sidecar, snapshotDir, wrapperBin, type FakeRoot } from './helpers/fake-root.js';
import { runWrapperAsNobody } from './helpers/nobody.js';
import { waitUntilOpen } from './helpers/open-files.js';
import { WRAPPER_MARKER } from '../src/release/wrapper-marker.js';

function withRoot(t: { after(fn: () => void): void }): FakeRoot {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  return fr;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON lines, asserted field by field
const runLog = (root: string): Record<string, any>[] =>
  readFileSync(join(root, 'log', 'emqx-relup.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

/** 8 MiB of incompressible library before the scripts and the relup last, as in EMQX's own packages. */
const scriptsLast = (): Record<string, Buffer> => ({ 'lib/a.beam': randomBytes(4 << 20), 'lib/b.beam': randomBytes(4 << 20) });

/** A runner that is this wrapper under the name emqx-<v>, so the hand-over reaches a wrapper again. */
function newerWrapper(t: { after(fn: () => void): void }, version: string, before = ''): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'relup-newer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const real = join(dir, `emqx-${version}`);
  copyFileSync(bundle, real);
  return Buffer.from(`#!/bin/sh\n# ${WRAPPER_MARKER} (test shim)\n${before}exec "${process.execPath}" "${real}" "$@"\n`);
}

test('--require-checksum upgrade: the package is read once, hashed and inflated in the same pass; the newer wrapper reads none of it', (t) => {
  const fr = withRoot(t);
  const pkg = makePackage(join(fr.root, 'releases'), { version: '5.0.1', before: scriptsLast(), runner: newerWrapper(t, '5.0.1') });
  sha256Sidecar(pkg);
  const size = statSync(pkg).size;
  const r = runWrapper(['--root', fr.root, '--require-checksum', 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  const [first, second] = runLog(fr.root);
  assert.equal(first?.outcome, 'handed-over');
  assert.equal(second?.outcome, 'ok', 'the newer wrapper ran the escript');
  const sum = readFileSync(`${pkg}.sha256`, 'utf8').slice(0, 64);
  assert.deepEqual(first.reads, [{ package: pkg, size, bytesRead: size, sha256: sum }], 'one pass: every byte once, verified');
  assert.deepEqual(second.reads, [{ package: pkg, size, bytesRead: 0, sha256: sum }], 'the facts were carried over, not read again');
  assert.ok(existsSync(join(fr.root, 'bin', 'emqx-5.0.1')));
});

test('the dry run and a run without a sidecar read at most the package once', (t) => {
  const fr = withRoot(t);
  const pkg = makePackage(join(fr.root, 'releases'), { version: '5.0.1', before: scriptsLast() });
  const size = statSync(pkg).size;
  for (const withSidecar of [false, true]) {
    if (withSidecar) sha256Sidecar(pkg);
    const dry = runWrapper(['--root', fr.root, '--dry-run', '--json', 'upgrade', '5.0.1']);
    assert.equal(dry.status, 0, dry.stderr);
    const [read] = JSON.parse(dry.stdout).reads;
    assert.ok(read.bytesRead <= size * 1.02, `dry run read ${read.bytesRead} of ${size}`);
    assert.equal(read.sha256 !== null, withSidecar);
  }
  rmSync(`${pkg}.sha256`);
  const r = runWrapper(['--root', fr.root, 'unpack', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  const [entry] = runLog(fr.root);
  assert.ok(entry.reads[0].bytesRead <= size * 1.02, `unpack read ${entry.reads[0].bytesRead} of ${size}`);
});

test('a package replaced between the wrapper and the newer wrapper it hands over to is refused (75), and nothing more is done', (t) => {
  const fr = withRoot(t);
  const rel = join(fr.root, 'releases');
  const other = join(mkdtempSync(join(tmpdir(), 'relup-other-')), 'emqx-5.0.1.tar.gz');
  t.after(() => rmSync(join(other, '..'), { recursive: true, force: true }));
  makePackage(join(other, '..'), { version: '5.0.1' });
  // The newer runner swaps the package for another file (new inode) before the newer wrapper starts.
  const pkgPath = join(rel, 'emqx-5.0.1.tar.gz');
  const swap = `cp "${other}" "${pkgPath}.new" && mv -f "${pkgPath}.new" "${pkgPath}"\n`;
  const pkg = makePackage(rel, { version: '5.0.1', runner: newerWrapper(t, '5.0.1', swap) });
  assert.equal(pkg, pkgPath);
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 75, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('emqx: error:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0]!, /package .*emqx-5\.0\.1\.tar\.gz was replaced while the upgrade ran .*nothing more was done; make sure nothing else writes to releases\/, then run the command again$/);
  assert.equal(
    fr.calls().filter((c) => c.prog === 'escript' && !String(c.args[0]).endsWith('nodetool')).length,
    0,
    'no escript ran',
  );
  assert.equal(runLog(fr.root).length, 1, 'only the hand-over was recorded');
});

test('kill -9 while the package is read: bin/ and releases/ unchanged, no temporaries, the next run succeeds', async (t) => {
  const fr = withRoot(t);
  const pkg = makePackage(join(fr.root, 'releases'), { version: '5.0.1', before: { ...scriptsLast(), 'lib/c.beam': randomBytes(16 << 20) } });
  sha256Sidecar(pkg);
  const bin = fr.snapshot();
  const releases = fr.snapshot(join(fr.root, 'releases'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EMQX_')));
  const child = spawn(wrapperBin, ['--root', fr.root, 'upgrade', '5.0.1'], { stdio: 'ignore', env });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, s) => r(s)));
  // The package is read (hashed and inflated in one pass) before the lock is taken.
  assert.ok(await waitUntilOpen(child.pid!, pkg), 'the wrapper opened the package');
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  assert.equal(fr.snapshot(), bin);
  assert.equal(fr.snapshot(join(fr.root, 'releases')), releases);
  assert.ok(!existsSync(join(fr.root, '.emqx-relup.lock')), 'the lock is taken only after the read');
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
});

const LOG_LINE = 'export EMQX_LOG_DIR="${EMQX_LOG_DIR:-${RUNNER_LOG_DIR:-$RUNNER_ROOT_DIR/log}}"';
/** Installed as EMQX's v5.0.20 renders it (RUNNER_LOG_DIR only); the package's as v5.0.26's (EMQX_LOG_DIR exported). */
const OLD_EXTRA = 'RUNNER_LOG_DIR="${EMQX_LOG_DIR:-${RUNNER_LOG_DIR:-$RUNNER_ROOT_DIR/log}}"\n';
const newVars = (v: string) => `${fakeVars(v)}## RUNNER_LOG_DIR is kept for backward compatibility.\n${LOG_LINE}\n`;
/** A package runner that records what it sourced: emqx_vars must have the line before it runs. */
const SOURCING_RUNNER = `#!/bin/sh
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNNER_ROOT_DIR="$ROOT"
. "$ROOT/releases/emqx_vars"
printf '%s\\n' "$EMQX_LOG_DIR" > "$ROOT/runner-saw"
`;

function setup(t: { after(fn: () => void): void }, pkg: { emqxVars?: string | null; runner?: string } = {}): { fr: FakeRoot; vars: string; pkg: string } {
  const fr = makeFakeRoot({ varsExtra: OLD_EXTRA });
  t.after(() => fr.cleanup());
  const path = makePackage(join(fr.root, 'releases'), { version: '5.0.1', emqxVars: pkg.emqxVars === undefined ? newVars('5.0.1') : pkg.emqxVars, runner: pkg.runner ?? legacyRunner('5.0.1') });
  return { fr, vars: join(fr.root, 'releases', 'emqx_vars'), pkg: path };
}

test('dry run: lists the line it would add and why, text and JSON, and changes nothing', (t) => {
  const { fr, vars, pkg } = setup(t);
  const before = snapshotDir(fr.root);
  const r = runWrapper(['--root', fr.root, '--dry-run', 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`emqx_vars: add to ${vars}, because the 5\\.0\\.1 scripts source ${vars}, which does not define EMQX_LOG_DIR; releases/emqx_vars in ${pkg} does:`));
  assert.ok(r.stdout.includes(`${LOG_LINE}   (line 8)`), r.stdout);
  const j = runWrapper(['--root', fr.root, '--dry-run', '--json', 'upgrade', '5.0.1']);
  assert.equal(j.status, 0, j.stderr);
  const plan = JSON.parse(j.stdout);
  assert.deepEqual(plan.emqxVars.lines, [{ names: ['EMQX_LOG_DIR'], line: 8, text: LOG_LINE }]);
  assert.equal(plan.emqxVars.file, vars);
  assert.equal(snapshotDir(fr.root), before);
});

test('real run: the line is appended durably before the hand-over, mode kept, recorded in the run log; a second run adds nothing', (t) => {
  const { fr, vars, pkg } = setup(t, { runner: SOURCING_RUNNER });
  chmodSync(vars, 0o640);
  const old = readFileSync(vars, 'utf8');
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(vars, 'utf8'), `${old}## added by emqx-relup for the 5.0.1 runner, from releases/emqx_vars in ${pkg}\n${LOG_LINE}\n`);
  assert.equal(statSync(vars).mode & 0o777, 0o640);
  // The newer runner, under set -u, sourced the file with the line in it.
  assert.equal(readFileSync(join(fr.root, 'runner-saw'), 'utf8'), `${fr.root}/log\n`);
  const log = readFileSync(join(fr.root, 'log', 'emqx-relup.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(log.at(-1).emqxVarsAdded, { file: vars, from: `releases/emqx_vars in ${pkg}`, variables: ['EMQX_LOG_DIR'] });
  const after = readFileSync(vars, 'utf8');
  const again = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(readFileSync(vars, 'utf8'), after, 'defined now: not added twice');
});

test('a variable the operator exported is never added, and the run says so', (t) => {
  const { fr, vars } = setup(t);
  const old = readFileSync(vars, 'utf8');
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1'], { EMQX_LOG_DIR: '/var/log/emqx' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /the operator exported EMQX_LOG_DIR, so it is left as it is and not added/);
  assert.equal(readFileSync(vars, 'utf8'), old);
});

test('a package without releases/emqx_vars: today\'s behaviour, with a warning', (t) => {
  const { fr, vars } = setup(t, { emqxVars: null });
  const old = readFileSync(vars, 'utf8');
  const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /releases\/emqx_vars in .* is missing: .* is used as it is/);
  assert.equal(readFileSync(vars, 'utf8'), old);
  assert.ok(existsSync(join(fr.root, 'bin', 'emqx-5.0.1')), 'the upgrade went on');
});

test('a downgrade keeps the added lines', (t) => {
  const { fr, vars } = setup(t);
  assert.equal(runWrapper(['--root', fr.root, 'upgrade', '5.0.1']).status, 0);
  const added = readFileSync(vars, 'utf8');
  assert.ok(added.includes(LOG_LINE));
  writeFileSync(join(fr.root, 'releases', 'RELEASES'), '[{release,"emqx","5.0.1","13.1.5",[],permanent},{release,"emqx","5.0.0","13.1.5",[],old}].\n');
  mkdirSync(join(fr.root, 'releases', '5.0.1'), { recursive: true });
  writeFileSync(join(fr.root, 'releases', '5.0.1', 'relup'), '{"5.0.1",[{"5.0.0",[],[]}],[{"5.0.0",[],[]}]}.\n');
  const r = runWrapper(['--root', fr.root, 'downgrade', '5.0.0']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(vars, 'utf8'), added);
});

test('releases/ not writable: refused in one line before anything is extracted; bin/ and releases/ byte-identical', { skip: process.getuid?.() !== 0 && 'needs root to drop to nobody' }, (t) => {
  const { fr } = setup(t);
  // nobody owns the installation but releases/: the lock and bin/ can be written, emqx_vars not.
  execFileSync('chown', ['-R', '65534:65534', fr.root]);
  chownSync(join(fr.root, 'releases'), 0, 0);
  chmodSync(join(fr.root, 'releases'), 0o755);
  const bin = snapshotDir(join(fr.root, 'bin'));
  const releases = snapshotDir(join(fr.root, 'releases'));
  const r = runWrapperAsNobody(['--root', fr.root, 'upgrade', '5.0.1']);
  assert.equal(r.status, 77, r.stderr);
  assert.match(r.stderr, new RegExp(`^emqx: error: permission denied on ${fr.root}/releases [^\n]*\n$`));
  assert.equal(snapshotDir(join(fr.root, 'bin')), bin, 'nothing extracted');
  assert.equal(snapshotDir(join(fr.root, 'releases')), releases);
});
