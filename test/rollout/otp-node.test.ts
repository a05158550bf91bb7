// A real OTP node hot-upgraded through SSH: the rollout reaches it through a real sshd, ships the
// wrapper, stages the fixture package and drives release_handler on the live node, whose
// emulator keeps its OS pid. Two fake-root hosts follow it, so the canary here is the real node.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildFixtures, FIXTURE_REPLIES, type Fixtures } from '../../scripts/fixtures/build.js';
import { Sandbox } from '../helpers/otp.js';
import { startSshCluster, type SshCluster } from '../../scripts/fixtures/sshd.js';
import { callsOf, makeRolloutRoot, startNodeStandIn } from '../../scripts/fixtures/rollout-roots.js';
import { events, runRollout } from '../helpers/rollout-run.js';

// The operator's own check, run on each host with cwd = its root: the release's nodetool ping,
// with the RUNNER_ROOT_DIR and REL_VSN that nodetool (like EMQX 5's) refuses to run without.
const CHECK =
  '. ./releases/emqx_vars && RUNNER_ROOT_DIR="$PWD" REL_VSN="$REL_VSN" ./erts-*/bin/escript bin/nodetool -name "$EMQX_NODE__NAME" -setcookie "$EMQX_NODE__COOKIE" ping';

let fx: Fixtures;
let sb: Sandbox | undefined;
let cluster: SshCluster | undefined;
let dir: string;
const standIns: { kill(): void }[] = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-rollout-otp-'));
  fx = await buildFixtures();
  sb = await Sandbox.create({ package: fx.packages['5.0.0']! });
  await sb.start();
  // The node's name, cookie and private epmd reach the remote wrapper the way an operator's
  // environment would: sent by the ssh client (SetEnv) and accepted by sshd.
  cluster = await startSshCluster(['otp', 'f2', 'f3'], {
    env: { otp: { ERL_EPMD_PORT: String(sb.epmd.port), EMQX_NODE__NAME: sb.node, EMQX_NODE__COOKIE: sb.cookie } },
  });
});

after(async () => {
  for (const s of standIns) s.kill();
  await cluster?.stop();
  await sb?.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it('hot-upgrades a live OTP node through ssh, same emulator pid, then the rest of the cluster', async () => {
  const node = sb!;
  const pidBefore = (await node.info()).osPid;
  assert.equal((await node.info()).reply, FIXTURE_REPLIES['5.0.0']);
  const f2 = makeRolloutRoot(path.join(dir, 'f2'), { version: '5.0.0' });
  const f3 = makeRolloutRoot(path.join(dir, 'f3'), { version: '5.0.0' });
  // The package's runner finds a node by ps, as EMQX's does: give each fake root one.
  standIns.push(startNodeStandIn(f2), startNodeStandIn(f3));
  const inventory = path.join(dir, 'inventory');
  fs.writeFileSync(inventory, `otp ${node.root}\nf2 ${f2}\nf3 ${f3}\n`);

  const r = await runRollout([fx.packages['5.0.1']!, '--inventory', inventory, '-F', cluster!.configFile, '--json', '--check', CHECK], dir, 120_000);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const ev = events(r.stdout);
  assert.deepEqual(ev.filter((e) => e.phase === 'done').map((e) => e.host), ['otp', 'f2', 'f3']);
  assert.equal(ev.find((e) => e.phase === 'upgrading')!.detail, 'canary');

  const info = await node.info();
  assert.equal(info.reply, FIXTURE_REPLIES['5.0.1'], 'new code runs');
  assert.equal(info.osPid, pidBefore, 'same emulator: a hot upgrade, not a restart');
  assert.deepEqual(await node.releases(), { '5.0.1': 'permanent', '5.0.0': 'old' });
  assert.equal(node.relVsn(), '5.0.1');
  for (const root of [f2, f3]) assert.equal(callsOf(root).filter((l) => l.includes('[upgrade]')).length, 1);
});
