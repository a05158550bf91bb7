// scripts/run-tests.mjs: `unit` really leaves out the files that start Erlang nodes or sshd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const testDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.resolve(testDir, '..', '..');

interface Selection {
  isUnit(rel: string): boolean;
  selectTests(rels: string[], filter?: string): string[];
}
// A plain .mjs that tsc does not copy into dist/: load it from the checkout.
const sel = (await import(pathToFileURL(path.join(repo, 'scripts', 'test-selection.mjs')).href)) as Selection;

function compiledTests(dir = testDir): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...compiledTests(p));
    else if (e.name.endsWith('.test.js')) out.push(path.relative(testDir, p).split(path.sep).join('/'));
  }
  return out.sort();
}

test('selection: unit leaves out e2e, sshd and npm install files, keeps unit files, any separator', () => {
  const rels = ['e2e/wrapper-upgrade.test.js', 'rollout/rollout.test.js', 'rollout/otp-node.test.js', 'install/npm-package.test.js', 'rollout/plan.test.js', 'plan.test.js', 'e2e\\fixtures.test.js', 'faults/rollout-faults.test.js', 'faults\\x.test.js'];
  assert.deepEqual(sel.selectTests(rels, 'unit'), ['rollout/plan.test.js', 'plan.test.js']);
  assert.deepEqual(sel.selectTests(rels, 'rollout/'), ['rollout/rollout.test.js', 'rollout/otp-node.test.js', 'rollout/plan.test.js']);
  assert.deepEqual(sel.selectTests(rels, undefined), rels);
  assert.deepEqual(sel.selectTests(rels, 'faults'), ['faults/rollout-faults.test.js', 'faults\\x.test.js']);
  // Only the exact sshd files: a unit file whose name merely contains "rollout" stays.
  assert.equal(sel.isUnit('cli/relup-rollout.test.js'), true);
});

test('selection: every compiled test that uses the OTP, sshd or fixture-build helpers is left out of unit', () => {
  const rels = compiledTests();
  const live = rels.filter((rel) => /from ['"][^'"]*(helpers\/(otp|sshd)|fixtures\/(build|sshd))\.js['"]/.test(fs.readFileSync(path.join(testDir, rel), 'utf8')));
  assert.ok(live.includes('e2e/wrapper-upgrade.test.js') && live.includes('rollout/rollout.test.js'), `scan found ${live.join(', ')}`);
  assert.deepEqual(live.filter(sel.isUnit), [], 'these start Erlang nodes or sshd but would run as unit tests');
});

test('run-tests.mjs --list unit: no e2e or sshd file, the known unit files', () => {
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'run-tests.mjs'), '--list', 'unit'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const listed = r.stdout.trim().split('\n');
  assert.deepEqual(listed.filter((f) => /^(e2e|install)[\\/]|^rollout[\\/](rollout|otp-[a-z-]+)\.test\.js$/.test(f)), []);
  for (const f of ['plan.test.js', path.join('rollout', 'plan.test.js'), path.join('rollout', 'run.test.js'), path.join('scripts', 'run-tests.test.js')]) assert.ok(listed.includes(f), `${f} not listed:\n${r.stdout}`);
  const all = spawnSync(process.execPath, [path.join(repo, 'scripts', 'run-tests.mjs'), '--list'], { encoding: 'utf8' });
  assert.equal(all.status, 0, all.stderr);
  assert.ok(all.stdout.split('\n').includes(path.join('e2e', 'wrapper-upgrade.test.js')), 'the full run lists e2e');
  assert.ok(all.stdout.split('\n').includes(path.join('install', 'npm-package.test.js')), 'the full run lists the npm install test');
});
