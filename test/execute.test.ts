// execute(): adding the package's emqx_vars lines for the newer runner, through the real wrapper
// on a fake root (real tarballs, real processes): the dry run lists them, the real run writes
// them durably before the hand-over and records them, refusals change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWrapperAsNobody } from './helpers/nobody.js';
import { fakeVars, legacyRunner, makeFakeRoot, makePackage, runWrapper, snapshotDir, type FakeRoot } from './helpers/fake-root.js';

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
