// The rollout CLI's own refusals, as a real process: each is one line (or one JSON object) with
// its exit status, and nothing is written (no state file appears).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runRollout } from '../helpers/rollout-run.js';
import { makePackage } from '../helpers/rollout-fixtures.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-rollout-cli-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const pkg = makePackage(dir, '5.0.1');

async function refused(args: string[], exit: number, re: RegExp): Promise<void> {
  const before = fs.readdirSync(dir).sort();
  const r = await runRollout(args, dir);
  assert.equal(r.code, exit, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
  assert.deepEqual(fs.readdirSync(dir).sort(), before);
}

describe('emqx-relup rollout: usage', () => {
  it('prints help and exits 0', async () => {
    const r = await runRollout(['--help'], dir);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--inventory/);
    assert.match(r.stdout, /--stage-parallel/);
  });

  it('refuses bad invocations with 64 and one line', async () => {
    await refused([], 64, /^emqx-relup rollout: error: missing the package to roll out; see --help$/);
    await refused([pkg], 64, /give exactly one of --hosts and --inventory/);
    await refused([pkg, '--hosts', 'a', '--inventory', 'f'], 64, /give exactly one of --hosts and --inventory/);
    await refused([pkg, '--hosts', 'a', '--batch', '0'], 64, /--batch must be an integer >= 1, got 0/);
    await refused([pkg, '--hosts', 'a', '--settle', '-1'], 64, /--settle must be a number of seconds >= 0/);
    await refused([pkg, '--hosts=-oProxyCommand=touch x'], 64, /invalid host "-oProxyCommand=touch x" in --hosts/);
    await refused([pkg, '--hosts', 'a', '--root', 'rel'], 64, /invalid release root "rel" in --root/);
    await refused([pkg, '--hosts', 'a', '--frobnicate'], 64, /Unknown argument: frobnicate/);
    await refused([path.join(dir, 'notes.tar.gz'), '--hosts', 'a'], 64, /"notes\.tar\.gz" is not a package name/);
    await refused([pkg, '--hosts', 'a', '--gate-timeout', '-1'], 64, /--gate-timeout must be a number of seconds >= 0, got -1/);
    await refused([pkg, '--hosts', 'a', '--on-failure', 'retry'], 64, /--on-failure must be one of halt, rollback, rollback-all, got "retry"/);
    await refused([pkg, '--hosts', 'a', '--downgrade', '--on-failure', 'rollback'], 64, /--on-failure rollback takes hosts back with a hot downgrade, which a --downgrade rollout cannot do .*; drop --on-failure \(halt\) for a downgrade rollout$/);
  });

  it('reports a missing package (66) and inventory (66), as JSON with --json', async () => {
    await refused([path.join(dir, 'emqx-9.9.9.tar.gz'), '--hosts', 'a'], 66, /package .*emqx-9\.9\.9\.tar\.gz does not exist; give the path/);
    const r = await runRollout([pkg, '--inventory', path.join(dir, 'nope'), '--json'], dir);
    assert.equal(r.code, 66);
    const e = JSON.parse(r.stderr).error;
    assert.equal(e.code, 'NOT_FOUND');
    assert.equal(e.exitCode, 66);
  });
});
