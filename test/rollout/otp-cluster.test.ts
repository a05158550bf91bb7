// The cluster part of the health gate on a real three-node OTP cluster: fixture nodes a, b and c
// share an epmd and a cookie and are joined over loopback distribution. The rollout upgrades a
// through a real sshd; its "installed emqx" is the real wrapper followed, after a successful
// change, by what a bad new version would do: a drops its connection to c. Whether c lets a back
// in is the test's choice (c holds another cookie for a: every reconnection fails the handshake).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildFixtures, type Fixtures } from '../../scripts/fixtures/build.js';
import { Sandbox, startEpmd, type Epmd } from '../helpers/otp.js';
import { wrapperBin } from '../helpers/fake-root.js';
import { startSshCluster, type SshCluster } from '../../scripts/fixtures/sshd.js';
import { events, runRollout } from '../helpers/rollout-run.js';
import type { RolloutState } from '../../src/rollout/state.js';

let fx: Fixtures;
let epmd: Epmd | undefined;
const nodes: Sandbox[] = [];
let cluster: SshCluster | undefined;
let dir: string;

const peersOf = async (sb: Sandbox): Promise<string[]> => {
  const r = await sb.erlCall('erlang nodes');
  assert.equal(r.code, 0, r.stderr);
  return [...r.stdout.matchAll(/'([^']+)'/g)].map((m) => m[1]!).sort();
};

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-rollout-cluster-'));
  fx = await buildFixtures();
  epmd = await startEpmd();
  const cookie = `cookie_${Math.random().toString(36).slice(2, 10)}`;
  // Without this, OTP's global would also cut b off from a when a loses c (it keeps partitions
  // from overlapping), and the gate would rightly name both.
  const erlFlags = '-kernel prevent_overlapping_partitions false';
  for (let i = 0; i < 3; i++) nodes.push(await Sandbox.create({ package: fx.packages['5.0.0']!, epmd, cookie, erlFlags }));
  for (const sb of nodes) await sb.start();
  const [a, b, c] = nodes as [Sandbox, Sandbox, Sandbox];
  for (const other of [b, c]) assert.match((await a.erlCall(`net_kernel connect_node ['${other.node}']`)).stdout, /true/);
  assert.match((await b.erlCall(`net_kernel connect_node ['${c.node}']`)).stdout, /true/);
  assert.deepEqual(await peersOf(a), [b.node, c.node].sort());
  cluster = await startSshCluster(['a'], { env: { a: { ERL_EPMD_PORT: String(epmd.port), EMQX_NODE__NAME: a.node, EMQX_NODE__COOKIE: a.cookie } } });
});

after(async () => {
  await cluster?.stop();
  for (const sb of nodes) await sb.cleanup();
  await epmd?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Host a's emqx: the real wrapper; after a real change, with `drop-peer` present, a disconnects c. */
function hook(a: Sandbox, c: Sandbox): string {
  const file = path.join(dir, 'emqx-on-a');
  fs.writeFileSync(
    file,
    `#!/bin/sh
'${process.execPath}' '${wrapperBin}' "$@" || exit $?
case " $* " in *" --dry-run "*|*" --status "*) exit 0 ;; esac
if [ -e '${dir}/drop-peer' ]; then
  '${path.join(a.otp.bin, 'erl_call')}' -name '${a.node}' -c '${a.cookie}' -a "erlang disconnect_node ['${c.node}']" >/dev/null || exit 71
fi
`,
    { mode: 0o755 },
  );
  return file;
}

it('the gate fails and names the peer that cannot reconnect after the upgrade; the rollout halts', async () => {
  const [a, b, c] = nodes as [Sandbox, Sandbox, Sandbox];
  const emqx = hook(a, c);
  fs.writeFileSync(path.join(dir, 'drop-peer'), '');
  // c refuses a from now on: a's connection attempts (and c's own) fail the cookie handshake.
  assert.match((await c.erlCall(`erlang set_cookie ['${a.node}', blocked_cookie]`)).stdout, /true/);
  const inventory = path.join(dir, 'inventory');
  fs.writeFileSync(inventory, `a ${a.root}\n`);
  const state = path.join(dir, 'state.json');
  const r = await runRollout(
    [fx.packages['5.0.1']!, '--inventory', inventory, '-F', cluster!.configFile, '--remote-emqx', emqx, '--gate-timeout', '3', '--state', state, '--json'],
    dir,
    600_000,
  );
  assert.equal(r.code, 70, `${r.stdout}\n${r.stderr}`);
  const report = events(r.stdout).find((e) => e.event === 'report')!;
  assert.equal(report.error.code, 'ROLLOUT_HALTED');
  assert.match(report.error.message, new RegExp(`a: health gate: after \\d+ s the node still does not see ${c.node.replace(/\./g, '\\.')} \\(connected before the upgrade\\)`));
  assert.ok(!report.error.message.includes(b.node), `only c is missing: ${report.error.message}`);
  assert.equal(report.hosts[0].outcome, 'failed');
  // The upgrade itself went through: only the cluster check failed.
  assert.equal(a.relVsn(), '5.0.1');
  assert.deepEqual(await peersOf(a), [b.node]);
  const s = JSON.parse(fs.readFileSync(state, 'utf8')) as RolloutState;
  assert.deepEqual(s.hosts.a!.peers, [b.node, c.node].sort());
  assert.equal(s.hosts.a!.status, 'failed');
});
