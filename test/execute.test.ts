// execute() and dryRun() as an operator runs them (real wrapper processes on fake roots): each
// package is read once per process, counted by the one reader's own counter as the run log and
// the dry run's plan report it; a hand-over carries what was read so the newer wrapper reads
// nothing again, and refuses a package replaced in between; a kill during the read leaves nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle, makeFakeRoot, makePackage, runWrapper, sha256Sidecar, wrapperBin, type FakeRoot } from './helpers/fake-root.js';
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
