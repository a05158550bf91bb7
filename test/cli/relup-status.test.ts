// `emqx-relup status` as a real process through real sshd processes on loopback: every host's
// own wrapper status, read with the wrapper piped to `node -` so not a byte changes on any host;
// an unreachable host is reported in its row and sets the exit status.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSshCluster, type SshCluster } from '../../scripts/fixtures/sshd.js';
import { makeRolloutRoot, makeRolloutPackage, snapshot } from '../../scripts/fixtures/rollout-roots.js';
import { RELUP_BIN, type JsonLine } from '../helpers/rollout-run.js';

let cluster: SshCluster;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-status-'));

before(async () => {
  cluster = await startSshCluster(['h1', 'h2']);
  await cluster.addDeadAlias('dead');
});
after(async () => {
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function status(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [RELUP_BIN, 'status', '-F', cluster.configFile, '--connect-timeout', '5', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('emqx-relup status over ssh', () => {
  it('shows each host version, RELEASES, node, lock and staged packages, changing nothing, and names an unreachable host', async () => {
    const r1 = makeRolloutRoot(path.join(dir, 'root-h1'), { version: '5.0.0' });
    const r2 = makeRolloutRoot(path.join(dir, 'root-h2'), { version: '5.0.1' });
    const pkg = makeRolloutPackage(dir, '5.0.2');
    fs.copyFileSync(pkg, path.join(r1, 'releases', path.basename(pkg)));
    // A live holder: this test process.
    fs.writeFileSync(path.join(r2, '.emqx-relup.lock'), `${process.pid} 0123456789abcdef\n`);
    fs.writeFileSync(path.join(r2, 'NODE_DOWN'), '');
    const inventory = path.join(dir, 'inventory');
    fs.writeFileSync(inventory, `h1 ${r1}\nh2 ${r2}\ndead ${r1}\n`);
    const before = { h1: snapshot(r1), h2: snapshot(r2) };

    const ok = await status(['--inventory', inventory, '--limit', 'h2,h1', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const f = JSON.parse(ok.stdout) as JsonLine;
    assert.equal(f.ok, true);
    assert.deepEqual(
      f.hosts.map((h: JsonLine) => [h.host, h.running, h.status.nodeAlive, h.status.lockHolder, h.status.packages, h.status.releases]),
      [
        ['h1', '5.0.0', true, null, [path.basename(pkg)], [{ version: '5.0.0', status: 'permanent' }]],
        ['h2', '5.0.1', false, process.pid, [], [{ version: '5.0.1', status: 'permanent' }]],
      ],
    );
    assert.deepEqual({ h1: snapshot(r1), h2: snapshot(r2) }, before, 'status writes nothing on the hosts');

    const all = await status(['--inventory', inventory]);
    assert.equal(all.code, 69, all.stderr);
    assert.match(all.stdout, /^HOST +VERSION +NODE +PEERS +LOCK +RELEASES +STAGED\n/);
    assert.match(all.stdout, /\nh1 +5\.0\.0 +up +0 +free +5\.0\.0 permanent +emqx-5\.0\.2-ubuntu22\.04-amd64\.tar\.gz\n/);
    assert.match(all.stdout, new RegExp(`\\nh2 +5\\.0\\.1 +DOWN +- +pid ${process.pid} +5\\.0\\.1 permanent +-\\n`));
    assert.match(all.stdout, /\ndead +\? +\? +\? +\? +error: dead: cannot reach the host over SSH/);
    assert.deepEqual(all.stderr.trim().split('\n'), [all.stderr.trim()], 'one line on stderr');
    assert.match(all.stderr, /^emqx-relup status: error: 1 of 3 host\(s\) could not be read; first: dead: cannot reach the host over SSH/);
    assert.deepEqual({ h1: snapshot(r1), h2: snapshot(r2) }, before);
  });

  it('refuses bad input with one line and 64', async () => {
    for (const [args, re] of [
      [['--hosts', 'h1', '--limit', 'h9'], /^emqx-relup status: error: --limit names h9, not in --hosts; /],
      [[], /give exactly one of --hosts and --inventory/],
      [['--hosts', 'h1', 'emqx-5.0.1.tar.gz'], /status takes no package or other argument/],
      [['--hosts', 'h1', '--parallel', '0'], /--parallel must be an integer >= 1/],
    ] as [string[], RegExp][]) {
      const r = await status(args);
      assert.equal(r.code, 64, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
  });
});
