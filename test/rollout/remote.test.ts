// The remote scripts run here through a local sh (the same text ssh would carry), on real files.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { catIntoCommand, emqxCommand, finalizeCommand, mkStageTempCommand, parseProbe, probeCommand, removeTempCommand, statusCommand, type RemoteEmqx } from '../../src/rollout/remote.js';
import { scpTarget } from '../../src/rollout/ssh.js';
import { sha256, snapshot } from '../../scripts/fixtures/rollout-roots.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-remote-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
const shipped: RemoteEmqx = { kind: 'shipped', node: 'node', localFile: '/x/emqx.cjs', sha256: 'w'.repeat(64), name: 'emqx-0.1.0.cjs' };

describe('remote commands', () => {
  it('probe reports root, disk, staged files; a missing root is said so', () => {
    const root = path.join(dir, 'r1');
    fs.mkdirSync(path.join(root, 'releases'), { recursive: true });
    fs.writeFileSync(path.join(root, 'releases', 'emqx_vars'), 'REL_VSN=1\n');
    fs.writeFileSync(path.join(root, 'releases', 'emqx-5.0.1.tar.gz'), 'pkg');
    fs.writeFileSync(path.join(root, 'releases', 'emqx-5.0.1.tar.gz.sha256'), `${'d'.repeat(64)}  emqx-5.0.1.tar.gz\n`);
    const p = parseProbe(sh(probeCommand(shipped, root, 'emqx-5.0.1.tar.gz')).stdout);
    assert.equal(p.rootExists && p.varsExists && p.hasSha256sum && p.hasNode, true);
    assert.ok(p.availBytes! > 0);
    assert.equal(p.packageSha, sha256(path.join(root, 'releases', 'emqx-5.0.1.tar.gz')));
    assert.equal(p.sidecarSha, 'd'.repeat(64));
    assert.equal(p.wrapperSha, null);
    assert.equal(parseProbe(sh(probeCommand(shipped, path.join(dir, 'nope'), 'x.tar.gz')).stdout).rootExists, false);
  });

  it('stages through a temp dir: verified files renamed into place, temp removed', () => {
    const root = path.join(dir, 'r2');
    fs.mkdirSync(path.join(root, 'releases'), { recursive: true });
    const temp = sh(mkStageTempCommand(root)).stdout.trim();
    assert.match(temp, new RegExp(`^${root}/releases/\\.emqx-relup/stage\\.[A-Za-z0-9]{8}$`));
    fs.writeFileSync(path.join(temp, 'emqx-5.0.1.tar.gz'), 'package bytes', { mode: 0o600 });
    fs.writeFileSync(path.join(temp, 'emqx.cjs'), 'wrapper');
    const ps = sha256(path.join(temp, 'emqx-5.0.1.tar.gz'));
    const r = sh(finalizeCommand(root, temp, { file: 'emqx-5.0.1.tar.gz', sha256: ps, sent: true }, { name: 'emqx-0.1.0.cjs', sha256: sha256(path.join(temp, 'emqx.cjs')), sentAs: 'emqx.cjs' }));
    assert.equal(r.status, 0, r.stderr);
    const snap = snapshot(root);
    assert.equal(snap['releases/emqx-5.0.1.tar.gz']!.slice(0, 8), 'file 644');
    assert.equal(fs.readFileSync(path.join(root, 'releases', 'emqx-5.0.1.tar.gz.sha256'), 'utf8'), `${ps}  emqx-5.0.1.tar.gz\n`);
    assert.equal(snap['releases/.emqx-relup/emqx-0.1.0.cjs']!.slice(0, 8), 'file 755');
    assert.equal(fs.existsSync(temp), false);
    execFileSync('sha256sum', ['-c', 'emqx-5.0.1.tar.gz.sha256'], { cwd: path.join(root, 'releases') });
  });

  it('refuses a copy whose checksum does not match (exit 65), leaving releases/ as it was', () => {
    const root = path.join(dir, 'r3');
    fs.mkdirSync(path.join(root, 'releases'), { recursive: true });
    const before = snapshot(root);
    const temp = sh(mkStageTempCommand(root)).stdout.trim();
    fs.writeFileSync(path.join(temp, 'emqx-5.0.1.tar.gz'), 'corrupted in transit');
    const r = sh(finalizeCommand(root, temp, { file: 'emqx-5.0.1.tar.gz', sha256: 'a'.repeat(64), sent: true }, null));
    assert.equal(r.status, 65);
    assert.match(r.stderr, /expected a{64}/);
    assert.deepEqual(snapshot(root), { ...before, 'releases/.emqx-relup': 'dir 755' });
  });

  it('removes a temp dir and writes stdin to a file with every path quoted, whatever it holds', () => {
    // Spliced raw, 'rm -rf D/a b' would remove D/a and ./b: the quoted word removes only 'a b'.
    const d = path.join(dir, "r4 it's");
    fs.mkdirSync(path.join(d, 'a b'), { recursive: true });
    fs.mkdirSync(path.join(d, 'a'));
    const cat = spawnSync('sh', ['-c', catIntoCommand(path.join(d, 'a b'), "pkg $(x).tar.gz")], { input: 'bytes\n', encoding: 'utf8' });
    assert.equal(cat.status, 0, cat.stderr);
    assert.equal(fs.readFileSync(path.join(d, 'a b', 'pkg $(x).tar.gz'), 'utf8'), 'bytes\n');
    const rm = sh(removeTempCommand(path.join(d, 'a b')));
    assert.equal(rm.status, 0, rm.stderr);
    assert.deepEqual(fs.readdirSync(d), ['a']);
  });

  it('builds wrapper command lines for shipped and installed wrappers', () => {
    assert.equal(emqxCommand(shipped, '/opt/emqx', ['upgrade', '5.0.1']), 'node /opt/emqx/releases/.emqx-relup/emqx-0.1.0.cjs --root=/opt/emqx upgrade 5.0.1');
    assert.equal(emqxCommand({ kind: 'installed', command: 'sudo -u emqx /usr/bin/emqx' }, '/opt/emqx', ['--status', '--json']), 'sudo -u emqx /usr/bin/emqx --root=/opt/emqx --status --json');
    assert.deepEqual(statusCommand(shipped, '/r', false), { command: 'node - --root=/r --status --json', inputFile: '/x/emqx.cjs' });
    assert.deepEqual(statusCommand(shipped, '/r', true), { command: 'node /r/releases/.emqx-relup/emqx-0.1.0.cjs --root=/r --status --json' });
  });

  it('brackets IPv6 literals for scp', () => {
    assert.equal(scpTarget('n1', '/d'), 'n1:/d/');
    assert.equal(scpTarget('root@::1', '/d'), 'root@[::1]:/d/');
    assert.equal(scpTarget('[::1]', '/d'), '[::1]:/d/');
  });
});
