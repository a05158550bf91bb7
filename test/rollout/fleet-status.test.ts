// fleetStatus() over the strict in-memory transport: every host read with the preflight's own
// status query (the wrapper piped on stdin), nothing else sent; a host that cannot be read is
// reported in its row without hiding the others.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetError, fleetStatus, formatFleetStatus, type FleetStatus } from '../../src/rollout/fleet-status.js';
import type { Transport } from '../../src/rollout/ssh.js';
import { fakeHost, makeFake } from '../helpers/rollout-fake.js';

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'relup-fleet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const wrapper = join(dir, 'emqx.cjs');
  writeFileSync(wrapper, '// wrapper stand-in\n');
  const emqx = { kind: 'shipped' as const, node: 'node', localFile: wrapper, sha256: 'f'.repeat(64), name: 'emqx-9.9.9.cjs' };
  const fake = makeFake(
    { emqx, packageFile: 'emqx-5.0.1.tar.gz', packageSha: 'a'.repeat(64), target: '5.0.1' },
    {
      h1: fakeHost({ root: '/opt/h1', peers: ['emqx@h2', 'emqx@h3'], releases: new Map([['5.0.1', 'permanent'], ['5.0.0', 'old']]) }),
      h2: fakeHost({ root: '/opt/h2', lockHolder: 4242, packageSha: 'a'.repeat(64) }),
      h3: fakeHost({ root: '/opt/h3', nodeAlive: false }),
    },
  );
  return { emqx, fake };
}

const hosts = (...names: string[]) => names.map((dest) => ({ dest, root: `/opt/${dest}` }));

describe('fleetStatus', () => {
  it('reads every host with the read-only status query and reports version, RELEASES, node, its peer count, lock, staged packages', async (t) => {
    const { emqx, fake } = setup(t);
    const f = await fleetStatus(fake, hosts('h1', 'h2', 'h3'), emqx, { timeoutMs: 1000, parallel: 2 });
    assert.deepEqual(fake.unexpected, []);
    assert.deepEqual(fake.calls.map((c) => `${c.dest} ${c.kind}`).sort(), ['h1 status-stdin', 'h2 status-stdin', 'h3 status-stdin']);
    assert.equal(f.ok, true);
    assert.equal(fleetError(f), null);
    assert.deepEqual(
      f.hosts.map((h) => [h.host, h.root, h.running, h.status?.nodeAlive, h.status?.lockHolder, h.status?.packages, h.status?.releases.map((r) => `${r.version}:${r.status}`)]),
      [
        ['h1', '/opt/h1', '5.0.1', true, null, [], ['5.0.1:permanent', '5.0.0:old']],
        ['h2', '/opt/h2', '5.0.0', true, 4242, ['emqx-5.0.1.tar.gz'], ['5.0.0:permanent']],
        ['h3', '/opt/h3', '5.0.0', false, null, [], ['5.0.0:permanent']],
      ],
    );
    const text = formatFleetStatus(f);
    assert.match(text, /^HOST +VERSION +NODE +PEERS +LOCK +RELEASES +STAGED\n/);
    assert.match(text, /\nh1 +5\.0\.1 +up +2 +free +5\.0\.1 permanent, 5\.0\.0 old +-\n/);
    assert.match(text, /\nh2 +5\.0\.0 +up +0 +pid 4242 +5\.0\.0 permanent +emqx-5\.0\.1\.tar\.gz\n/);
    assert.match(text, /\nh3 +5\.0\.0 +DOWN +- +free /);
  });

  it('reports an unreachable host and a host without node in their rows, reads the rest, and ends with the first error', async (t) => {
    const { emqx, fake } = setup(t);
    const failing: Transport = {
      ...fake,
      exec: (dest, command, opts) => {
        if (dest === 'h1') return Promise.resolve({ exitCode: 255, stdout: '', stderr: 'ssh: connect to host h1 port 22: Connection refused\n', timedOut: false });
        if (dest === 'h3') return Promise.resolve({ exitCode: 127, stdout: '', stderr: 'sh: 1: node: not found\n', timedOut: false });
        return fake.exec(dest, command, opts);
      },
    };
    const f: FleetStatus = await fleetStatus(failing, hosts('h1', 'h2', 'h3'), emqx, { timeoutMs: 1000, parallel: 8 });
    assert.equal(f.ok, false);
    assert.deepEqual(
      f.hosts.map((h) => [h.host, h.running, h.error?.code, h.error?.exitCode]),
      [
        ['h1', null, 'UNREACHABLE', 69],
        ['h2', '5.0.0', undefined, undefined],
        ['h3', null, 'NOT_FOUND', 66],
      ],
    );
    assert.match(f.hosts[0]!.error!.message, /^h1: cannot reach the host over SSH \(ssh: connect to host h1 port 22: Connection refused\)/);
    const e = fleetError(f)!;
    assert.equal(e.exitCode, 69);
    assert.match(e.message, /^2 of 3 host\(s\) could not be read; first: h1: cannot reach/);
    assert.match(formatFleetStatus(f), /\nh1 +\? +\? +\? +\? +error: h1: cannot reach the host over SSH/);
  });
});
