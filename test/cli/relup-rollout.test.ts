// The rollout CLI's own refusals, as a real process: each is one line (or one JSON object) with
// its exit status, and nothing is written (no state file appears).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runRollout } from '../helpers/rollout-run.js';
import { makeRolloutPackage } from '../../scripts/fixtures/rollout-roots.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-rollout-cli-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const pkg = makeRolloutPackage(dir, '5.0.1');

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
    await refused([], 64, /^emqx-relup rollout: error: missing the package to roll out; see 'emqx-relup rollout --help'$/);
    await refused([pkg], 64, /give exactly one of --hosts and --inventory/);
    await refused([pkg, '--hosts', 'a', '--inventory', 'f'], 64, /give exactly one of --hosts and --inventory/);
    await refused([pkg, '--hosts', 'a', '--batch', '0'], 64, /--batch must be a positive integer or a percentage from 1% to 100%, got "0"/);
    await refused([pkg, '--hosts', 'a', '--batch', 'two'], 64, /--batch must be a positive integer or a percentage from 1% to 100%, got "two"/);
    await refused([pkg, '--hosts', 'a', '--batch', '150%'], 64, /--batch must be a positive integer or a percentage from 1% to 100%, got "150%"/);
    await refused([pkg, '--hosts', 'a,b', '--limit', 'b,c'], 64, /--limit names c, not in --hosts; name hosts exactly as the inventory writes them$/);
    await refused([pkg, '--hosts', 'a,b', '--limit', ''], 64, /--limit needs a value/);
    await refused([pkg, '--hosts', 'a', '--settle', '-1'], 64, /--settle must be a number of seconds >= 0/);
    await refused([pkg, '--hosts=-oProxyCommand=touch x'], 64, /invalid host "-oProxyCommand=touch x" in --hosts/);
    await refused([pkg, '--hosts', 'a', '--root', 'rel'], 64, /invalid release root "rel" in --root/);
    await refused([pkg, '--hosts', 'a', '--frobnicate'], 64, /^emqx-relup rollout: error: unknown option --frobnicate for rollout; see 'emqx-relup rollout --help'$/);
    await refused([pkg, '--hosts', 'a', '--batch', '2.5'], 64, /--batch must be a positive integer or a percentage from 1% to 100%, got "2\.5";/);
    await refused([pkg, '--hosts', 'a', '--connect-timeout=1e9x'], 64, /--connect-timeout must be an integer >= 1, got "1e9x"/);
    await refused([pkg, '--hosts', 'a', '--settle', 'soon'], 64, /--settle must be a number of seconds >= 0, got "soon"/);
    await refused([pkg, '--hosts', 'a', '--stage-paralel', '2'], 64, /unknown option --stage-paralel for rollout \(did you mean --stage-parallel\?\)/);
    await refused([pkg, '--hosts', 'a', '--hosts', 'b'], 64, /--hosts given twice/);
    await refused([pkg, '--hosts'], 64, /--hosts needs a value/);
    await refused([pkg, '--hosts', 'a', '--dry-run=yes'], 64, /--dry-run takes no value/);
    await refused([path.join(dir, 'notes.tar.gz'), '--hosts', 'a'], 64, /"notes\.tar\.gz" is not a package name/);
    await refused([pkg, '--hosts', 'a', '--gate-timeout', '-1'], 64, /--gate-timeout must be a number of seconds >= 0, got -1; see 'emqx-relup rollout --help'$/);
    await refused([pkg, '--hosts', 'a', '--gate-timeout', 'soon'], 64, /--gate-timeout must be a number of seconds >= 0, got "soon"/);
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

  it('reports a missing -F ssh config as one error about that file (66), no host contacted', async () => {
    const missing = path.join(dir, 'no-such-ssh_config');
    await refused([pkg, '--hosts', 'h1,h2,h3', '-F', missing], 66, new RegExp(`^emqx-relup rollout: error: ssh config ${missing} \\(given with -F\\) does not exist; fix the path given to -F`));
    await refused([pkg, '--hosts', 'h1', '-F', dir], 66, /ssh config .* \(given with -F\) is not a file/);
  });

  it('checks a local <package>.sha256 before any host is read (65)', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'sidecar-'));
    const p = makeRolloutPackage(sub, '5.0.1');
    fs.writeFileSync(`${p}.sha256`, `${'0'.repeat(64)}  ${path.basename(p)}\n`);
    // Were ssh ever run, these hosts would be a closed loopback port (69), never the network.
    const conf = path.join(sub, 'ssh_config');
    fs.writeFileSync(conf, 'Host *\n  HostName 127.0.0.1\n  Port 1\n');
    const r = await runRollout([p, '--hosts', 'h1,h2', '-F', conf, '--json'], sub);
    assert.equal(r.code, 65, r.stderr);
    const e = JSON.parse(r.stderr).error;
    assert.equal(e.code, 'CHECKSUM_MISMATCH');
    assert.match(e.message, /does not match emqx-5\.0\.1-ubuntu22\.04-amd64\.tar\.gz\.sha256: sha256 is [0-9a-f]{64}, expected 0{64}; the package is damaged/);
    assert.deepEqual(fs.readdirSync(sub).filter((f) => f.endsWith('.rollout.json')), []);
  });
});
