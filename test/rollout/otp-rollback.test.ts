// --on-failure rollback and rollback-all on real OTP nodes over a real sshd: the operator's check
// fails on a host once it runs 5.0.1 (a marker file in its root says which host), the rollout
// hot-downgrades that host with the 5.0.1 scripts and gates it on 5.0.0 again; rollback-all also
// takes back the canary. Every node keeps its emulator (same OS pid) throughout.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildFixtures, FIXTURE_REPLIES, type Fixtures } from '../../scripts/fixtures/build.js';
import { Sandbox } from '../helpers/otp.js';
import { startSshCluster, type SshCluster } from '../../scripts/fixtures/sshd.js';
import { events, runRollout } from '../helpers/rollout-run.js';
import type { RolloutState } from '../../src/rollout/state.js';

// Fails while GATE_FAILS is in the root and the release is 5.0.1 (emqx_vars' last REL_VSN).
const CHECK = `[ ! -e GATE_FAILS ] || [ "$(sed -n 's/^REL_VSN="\\(.*\\)"$/\\1/p' releases/emqx_vars | tail -n 1)" != 5.0.1 ]`;

let fx: Fixtures;
const sb: Record<string, Sandbox> = {};
let cluster: SshCluster | undefined;
let dir: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-rollout-rollback-'));
  fx = await buildFixtures();
  for (const h of ['r1', 'r2', 'a1', 'a2']) {
    sb[h] = await Sandbox.create({ package: fx.packages['5.0.0']! });
    await sb[h].start();
  }
  cluster = await startSshCluster(Object.keys(sb), {
    env: Object.fromEntries(Object.entries(sb).map(([h, s]) => [h, { ERL_EPMD_PORT: String(s.epmd.port), EMQX_NODE__NAME: s.node, EMQX_NODE__COOKIE: s.cookie }])),
  });
});

after(async () => {
  await cluster?.stop();
  for (const s of Object.values(sb)) await s.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function rollout(hosts: string[], onFailure: string, state: string) {
  const inventory = path.join(dir, `inventory-${hosts.join('-')}`);
  fs.writeFileSync(inventory, hosts.map((h) => `${h} ${sb[h]!.root}\n`).join(''));
  return runRollout(
    [fx.packages['5.0.1']!, '--inventory', inventory, '-F', cluster!.configFile, '--check', CHECK, '--on-failure', onFailure, '--state', state, '--json'],
    dir,
    600_000,
  );
}

async function assertOn(h: string, version: string, pid: number): Promise<void> {
  const node = sb[h]!;
  const info = await node.info();
  assert.equal(info.reply, FIXTURE_REPLIES[version], `${h} runs the code of ${version}`);
  assert.equal(info.osPid, pid, `${h}: same emulator`);
  assert.equal((await node.releases())[version], 'permanent');
  assert.equal(node.relVsn(), version);
}

it('rollback: the host whose gate fails after its upgrade is hot-downgraded to 5.0.0, same pid; the canary stays; exit 71', async () => {
  const pids = { r1: (await sb.r1!.info()).osPid, r2: (await sb.r2!.info()).osPid };
  fs.writeFileSync(path.join(sb.r2!.root, 'GATE_FAILS'), '');
  const state = path.join(dir, 'r.json');
  const r = await rollout(['r1', 'r2'], 'rollback', state);
  assert.equal(r.code, 71, `${r.stdout}\n${r.stderr}`);
  const report = events(r.stdout).find((e) => e.event === 'report')!;
  assert.equal(report.error.code, 'ROLLED_BACK');
  assert.match(report.error.message, /rollout stopped at r2 and rolled back r2 to 5\.0\.0: r2: health gate: --check exited 1/);
  const [h1, h2] = report.hosts;
  assert.equal(h1.outcome, 'done');
  assert.equal(h2.outcome, 'rolled-back');
  assert.equal(h2.version, '5.0.0');
  assert.match(h2.rollback.how, /^emqx downgrade 5\.0\.0 \(with the 5\.0\.1 scripts\), gate passed on 5\.0\.0$/);
  await assertOn('r2', '5.0.0', pids.r2);
  await assertOn('r1', '5.0.1', pids.r1);
  const s = JSON.parse(fs.readFileSync(state, 'utf8')) as RolloutState;
  assert.equal(s.hosts.r2!.status, 'rolled-back');
  assert.equal(s.hosts.r2!.rollback!.outcome, 'rolled-back');
  assert.equal(s.hosts.r1!.status, 'done');
});

it('rollback-all brings back the canary too (failed host first); re-running starts afresh with a canary', async () => {
  const pids = { a1: (await sb.a1!.info()).osPid, a2: (await sb.a2!.info()).osPid };
  fs.writeFileSync(path.join(sb.a2!.root, 'GATE_FAILS'), '');
  const state = path.join(dir, 'a.json');
  const r = await rollout(['a1', 'a2'], 'rollback-all', state);
  assert.equal(r.code, 71, `${r.stdout}\n${r.stderr}`);
  const ev = events(r.stdout);
  assert.deepEqual(ev.filter((e) => e.phase === 'rolled-back').map((e) => e.host), ['a2', 'a1'], 'newest first');
  const report = ev.find((e) => e.event === 'report')!;
  assert.match(report.error.message, /rolled back a2 to 5\.0\.0, a1 to 5\.0\.0/);
  assert.deepEqual(report.hosts.map((h: { outcome: string }) => h.outcome), ['rolled-back', 'rolled-back']);
  await assertOn('a1', '5.0.0', pids.a1);
  await assertOn('a2', '5.0.0', pids.a2);

  // The cause fixed, the same command again: a new rollout (the state is not resumed), canary first.
  fs.rmSync(path.join(sb.a2!.root, 'GATE_FAILS'));
  const again = await rollout(['a1', 'a2'], 'rollback-all', state);
  assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
  const ev2 = events(again.stdout);
  assert.equal(ev2.find((e) => e.phase === 'upgrading')!.detail, 'canary');
  assert.deepEqual(ev2.filter((e) => e.phase === 'done').map((e) => e.host), ['a1', 'a2']);
  assert.match(ev2.find((e) => e.event === 'report')!.warnings.join('\n'), /previous run of this rollout rolled back; starting afresh/);
  await assertOn('a1', '5.0.1', pids.a1);
  await assertOn('a2', '5.0.1', pids.a2);
  const s = JSON.parse(fs.readFileSync(state, 'utf8')) as RolloutState;
  assert.deepEqual(Object.values(s.hosts).map((h) => [h.status, h.rollback]), [['done', undefined], ['done', undefined]]);
});
