// Faults injected into a running `emqx-relup rollout` (a real child process) at a chosen phase,
// against real sshd processes on loopback and fake release roots driven by the real shipped
// wrapper: the connection dropped mid-upgrade, a host's sshd crashing for good, sshd gone after
// preflight, a lock taken mid-rollout, the rollout SIGKILLed. Each asserts what the report and
// the exit code say against what the hosts really are, then that the same command converges.
// docs/rollout-faults.md has the table.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSshCluster, type SshCluster } from '../../scripts/fixtures/sshd.js';
import { callsOf, makeRolloutRoot, makeRolloutPackage, releasesOf } from '../../scripts/fixtures/rollout-roots.js';
import { events, type JsonLine, runRollout, startRollout } from '../helpers/rollout-run.js';
import { CONTROL_PERSIST_SEC } from '../../src/rollout/ssh.js';
import { auditPath } from '../../src/rollout/audit.js';

const HOSTS = ['h1', 'h2', 'h3'];
let cluster: SshCluster;
const dirs: string[] = [];

before(async () => {
  cluster = await startSshCluster(HOSTS);
});
after(async () => {
  await cluster?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface World {
  dir: string;
  roots: Record<string, string>;
  state: string;
  args: (...extra: string[]) => string[];
}

function world(): World {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-faults-'));
  dirs.push(dir);
  const roots = Object.fromEntries(HOSTS.map((h) => [h, makeRolloutRoot(path.join(dir, `root-${h}`), { version: '5.0.0' })]));
  const pkg = makeRolloutPackage(dir, '5.0.1');
  const inventory = path.join(dir, 'inventory');
  fs.writeFileSync(inventory, HOSTS.map((h) => `${h} ${roots[h]}\n`).join(''));
  const state = path.join(dir, 'state.json');
  return { dir, roots, state, args: (...extra) => [pkg, '--inventory', inventory, '-F', cluster.configFile, '--connect-timeout', '5', '--state', state, '--json', ...extra] };
}

const upgrades = (root: string) => callsOf(root).filter((l) => l.includes('[upgrade]'));
const permanentAt = (root: string, v: string) => new RegExp(`\\{release,"emqx","${v.replace(/\./g, '\\.')}","[^"]+",\\[\\],permanent\\}`).test(releasesOf(root));
const report = (stdout: string): JsonLine => events(stdout).find((e) => e.event === 'report')!;
const byHost = (r: JsonLine): Record<string, JsonLine> => Object.fromEntries(r.hosts.map((h: JsonLine) => [h.host, h]));
const stateOf = (w: World) => JSON.parse(fs.readFileSync(w.state, 'utf8')) as { hosts: Record<string, { status: string }> };

/** Pids and command lines of this cluster's ssh processes (clients and ControlMasters) for `alias`, or all. */
function sshProcesses(alias?: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const argv = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv[0] !== 'ssh' || !argv.includes(cluster.configFile)) continue;
      if (alias === undefined || argv.includes(alias)) out.push({ pid: Number(name), cmd: argv.join(' ') });
    } catch {
      /* gone */
    }
  }
  return out;
}

async function until(what: string, pred: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The rollout's convergence: the same command again ends with every host at the target, each upgraded once. */
async function assertConverges(w: World): Promise<void> {
  const again = await runRollout(w.args(), w.dir);
  assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
  for (const h of HOSTS) {
    assert.ok(permanentAt(w.roots[h]!, '5.0.1'), `${h}: ${releasesOf(w.roots[h]!)}`);
    assert.equal(upgrades(w.roots[h]!).length, 1, `${h} upgraded once`);
  }
}

describe('rollout faults', () => {
  it('the ssh client and ControlMaster killed once h2 unpacks: the upgrade ends on the host, the rollout follows it again and reports the truth', async () => {
    const w = world();
    fs.writeFileSync(path.join(w.roots.h2!, 'SLOW_UPGRADE'), '3');
    const run = startRollout(w.args(), w.dir);
    await until('h2 unpacking', () => upgrades(w.roots.h2!).length === 1);
    const killed = sshProcesses('h2');
    assert.ok(killed.some((p) => p.cmd.includes('ControlMaster=yes')) && killed.some((p) => p.cmd.includes('--detach=')), killed.map((p) => p.cmd).join('\n'));
    for (const p of killed) process.kill(p.pid, 'SIGKILL');
    const r = await run.done;
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const rows = byHost(report(r.stdout));
    assert.deepEqual([rows.h2!.outcome, rows.h2!.version], ['done', '5.0.1']);
    assert.ok(permanentAt(w.roots.h2!, '5.0.1'));
    assert.equal(stateOf(w).hosts.h2!.status, 'done');
    // What happened, in the audit trail: the start lost its connection, a follow read the end.
    const h2 = fs.readFileSync(auditPath(w.state), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as JsonLine).filter((e) => e.event === 'exec' && e.host === 'h2');
    const start = h2.findIndex((e) => e.command.includes('--detach='));
    assert.equal(h2[start]!.exitCode, 255, JSON.stringify(h2[start]));
    assert.ok(h2.slice(start + 1).some((e) => e.command.includes('--follow=') && e.exitCode === 0), 'followed again');
    await assertConverges(w);
  });

  it("h2's sshd crashes mid-upgrade and stays away: h2 is unknown (74), never failed; once sshd is back the same command converges", async () => {
    const w = world();
    fs.writeFileSync(path.join(w.roots.h2!, 'SLOW_UPGRADE'), '2');
    const run = startRollout(w.args('--reconnect-timeout', '3'), w.dir);
    await until('h2 unpacking', () => upgrades(w.roots.h2!).length === 1);
    await cluster.crashSshd('h2');
    const r = await run.done;
    try {
      assert.equal(r.code, 74, `${r.stdout}\n${r.stderr}`);
      const rep = report(r.stdout);
      assert.equal(rep.error.code, 'HOST_UNKNOWN');
      assert.match(rep.error.message, /rollout halted at h2: lost the SSH connection during emqx upgrade 5\.0\.1 .*whether it ended, and how, is unknown; 1 host\(s\) done, 1 not upgraded; h2 is unknown/);
      assert.doesNotMatch(rep.error.message, /nothing was changed/);
      const rows = byHost(rep);
      assert.equal(rows.h2!.outcome, 'unknown');
      assert.equal(rows.h3!.outcome, 'staged');
      assert.equal(stateOf(w).hosts.h2!.status, 'unknown');
      assert.equal(upgrades(w.roots.h3!).length, 0, 'h3 waits');
      // The upgrade went on without its connection, to its end.
      await until('h2 permanent', () => permanentAt(w.roots.h2!, '5.0.1'), 30_000);
    } finally {
      await cluster.startHost('h2');
    }
    await assertConverges(w);
  });

  it('h3 unreachable after preflight: the rollout halts there with 69 and counts h3 among the hosts not upgraded', async () => {
    const own = await startSshCluster(HOSTS);
    try {
      const w = world();
      const args = w.args().map((a) => (a === cluster.configFile ? own.configFile : a));
      fs.writeFileSync(path.join(w.roots.h2!, 'SLOW_UPGRADE'), '2');
      const run = startRollout(args, w.dir);
      await until('h2 unpacking', () => upgrades(w.roots.h2!).length === 1);
      await own.stopHost('h3');
      const r = await run.done;
      assert.equal(r.code, 69, `${r.stdout}\n${r.stderr}`);
      const rep = report(r.stdout);
      assert.equal(rep.error.code, 'UNREACHABLE');
      assert.match(rep.error.message, /^rollout halted at h3: .*; 2 host\(s\) done, 1 not upgraded; fix h3/);
      assert.equal(upgrades(w.roots.h3!).length, 0);
      assert.ok(permanentAt(w.roots.h3!, '5.0.0'), 'h3 as it was');
      await own.startHost('h3');
      const again = await runRollout(args, w.dir);
      assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
      assert.ok(permanentAt(w.roots.h3!, '5.0.1'));
    } finally {
      await own.stop();
    }
  });

  it('a lock taken on h3 mid-rollout: LOCKED (75) with the holder, h3 unchanged; released, the same command converges', async () => {
    const w = world();
    fs.writeFileSync(path.join(w.roots.h2!, 'SLOW_UPGRADE'), '2');
    const run = startRollout(w.args(), w.dir);
    await until('h2 unpacking', () => upgrades(w.roots.h2!).length === 1);
    // The wrapper's lock format: "<pid> <token>", held by a live process (this test).
    const lock = path.join(w.roots.h3!, '.emqx-relup.lock');
    fs.writeFileSync(lock, `${process.pid} ${'cd'.repeat(8)}\n`);
    const r = await run.done;
    assert.equal(r.code, 75, `${r.stdout}\n${r.stderr}`);
    const rep = report(r.stdout);
    assert.equal(rep.error.code, 'LOCKED');
    assert.match(rep.error.message, new RegExp(`^rollout halted at h3: emqx upgrade 5\\.0\\.1 failed: .*${process.pid}.*; 2 host\\(s\\) done, 1 not upgraded`));
    assert.equal(upgrades(w.roots.h3!).length, 0);
    fs.rmSync(lock);
    await assertConverges(w);
  });

  it('the upgrade killed on the host mid-way (as a crash or reboot would): no exit status, so the report says it vanished and what h2 runs; the same command converges', async () => {
    const w = world();
    fs.writeFileSync(path.join(w.roots.h2!, 'SLOW_UPGRADE'), '5');
    const run = startRollout(w.args(), w.dir);
    await until('h2 unpacking', () => upgrades(w.roots.h2!).length === 1);
    const runs = path.join(w.roots.h2!, 'log', 'emqx-relup-runs');
    const pidFile = fs.readdirSync(runs).find((f) => f.endsWith('.pid'))!;
    const { pid } = JSON.parse(fs.readFileSync(path.join(runs, pidFile), 'utf8')) as { pid: number };
    // The detached run leads its own process group: the escript goes with it, before it changed RELEASES.
    process.kill(-pid, 'SIGKILL');
    const r = await run.done;
    assert.equal(r.code, 70, `${r.stdout}\n${r.stderr}`);
    const rep = report(r.stdout);
    assert.match(rep.error.message, /^rollout halted at h2: emqx upgrade 5\.0\.1 ended on the host without an exit status \(killed, or the host rebooted; log: /);
    const rows = byHost(rep);
    assert.deepEqual([rows.h2!.outcome, rows.h2!.version], ['failed', '5.0.0'], 'what h2 runs, read again');
    assert.ok(permanentAt(w.roots.h2!, '5.0.0'));
    // Its stale lock (a dead pid) does not stop the next run.
    const again = await runRollout(w.args(), w.dir);
    assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
    for (const h of HOSTS) assert.ok(permanentAt(w.roots[h]!, '5.0.1'), h);
  });

  it('the rollout SIGKILLed mid-upgrade: no ssh process of it outlives ControlPersist, the upgrade ends on the host, the same command converges', async () => {
    const w = world();
    fs.writeFileSync(path.join(w.roots.h2!, 'SLOW_UPGRADE'), '3');
    const run = startRollout(w.args(), w.dir);
    await until('h2 unpacking', () => upgrades(w.roots.h2!).length === 1);
    run.child.kill('SIGKILL');
    await run.done;
    await until(`no ssh left (${CONTROL_PERSIST_SEC} s ControlPersist)`, () => sshProcesses().length === 0, (CONTROL_PERSIST_SEC + 20) * 1000);
    await until('h2 permanent', () => permanentAt(w.roots.h2!, '5.0.1'), 30_000);
    assert.equal(stateOf(w).hosts.h2!.status, 'upgrading');
    await assertConverges(w);
  });
});
