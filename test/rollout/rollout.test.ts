// Rolling upgrades through real sshd processes on loopback: three hosts, each with its own
// fake release root (recording escript stand-in), driven by the real emqx-relup CLI process. The
// remote side is the real wrapper shipped with the tool (dist/emqx.cjs), staged by the rollout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSshCluster, type SshCluster } from '../../scripts/fixtures/sshd.js';
import { callsOf, makeRolloutRoot, makeRolloutPackage, releasesOf, sha256, snapshot } from '../../scripts/fixtures/rollout-roots.js';
import { events, type JsonLine, runRollout, startRollout } from '../helpers/rollout-run.js';

const HOSTS = ['h1', 'h2', 'h3'];
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let cluster: SshCluster;
const dirs: string[] = [];

before(async () => {
  cluster = await startSshCluster([...HOSTS, 'bare'], { noSftp: ['bare'] });
  await cluster.addDeadAlias('dead');
});
after(async () => {
  await cluster?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface World {
  dir: string;
  roots: Record<string, string>;
  pkg: string;
  inventory: string;
  args: (...extra: string[]) => string[];
  snap: () => Record<string, Record<string, string>>;
}

function world(opts: { hosts?: string[]; version?: string; target?: string } = {}): World {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-rollout-'));
  dirs.push(dir);
  const hosts = opts.hosts ?? HOSTS;
  const roots: Record<string, string> = {};
  for (const h of hosts) roots[h] = makeRolloutRoot(path.join(dir, `root-${h}`), { version: opts.version ?? '5.0.0' });
  const pkg = makeRolloutPackage(dir, opts.target ?? '5.0.1');
  const inventory = path.join(dir, 'inventory');
  fs.writeFileSync(inventory, ['# test cluster', ...hosts.map((h) => `${h} ${roots[h] ?? path.join(dir, `root-${h}`)}  # ${h}`), ''].join('\n'));
  return {
    dir,
    roots,
    pkg,
    inventory,
    args: (...extra) => [pkg, '--inventory', inventory, '-F', cluster.configFile, '--connect-timeout', '5', ...extra],
    snap: () => Object.fromEntries(Object.entries(roots).map(([h, r]) => [h, snapshot(r)])),
  };
}

/** ssh processes of this cluster still running (the rollout's shared connections must be closed). */
function leftoverSsh(): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.startsWith('ssh ') && cmd.includes(cluster.configFile)) out.push(`${pid}: ${cmd}`);
    } catch {
      /* gone */
    }
  }
  return out;
}

const upgrades = (root: string) => callsOf(root).filter((l) => l.includes('[upgrade]'));

describe('emqx-relup rollout over ssh', () => {
  it('upgrades every host in order, canary first, and a re-run finds nothing to do', async () => {
    const w = world();
    const r = await runRollout(w.args('--json'), w.dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const ev = events(r.stdout);
    const done = ev.filter((e) => e.event === 'phase' && e.phase === 'done').map((e) => e.host);
    assert.deepEqual(done, HOSTS);
    const started = ev.filter((e) => e.event === 'phase' && e.phase === 'upgrading');
    assert.deepEqual(started.map((e) => [e.host, e.detail]), [['h1', 'canary'], ['h2', 'batch 2/3'], ['h3', 'batch 3/3']]);
    // Nobody is upgraded before every host passed preflight and staging.
    const firstUpgrade = ev.findIndex((e) => e.phase === 'upgrading');
    assert.ok(ev.slice(firstUpgrade).every((e) => e.phase !== 'preflight' && e.phase !== 'staging'));
    const report = ev.at(-1)!;
    assert.equal(report.event, 'report');
    assert.equal(report.ok, true);
    assert.deepEqual(report.hosts.map((h: JsonLine) => [h.host, h.from, h.version, h.outcome]), HOSTS.map((h) => [h, '5.0.0', '5.0.1', 'done']));
    const file = path.basename(w.pkg);
    for (const h of HOSTS) {
      const root = w.roots[h]!;
      assert.match(releasesOf(root), /"5\.0\.1","[^"]+",\[\],permanent/);
      assert.equal(upgrades(root).length, 1, `${h}: one upgrade`);
      assert.match(upgrades(root)[0]!, /\[upgrade\] \[\{'emqx', "-name", 'emqx@127\.0\.0\.1', 'relup-secret'\}\] \[5\.0\.1\]$/);
      assert.equal(sha256(path.join(root, 'releases', file)), sha256(w.pkg), `${h}: staged package intact`);
      assert.match(fs.readFileSync(path.join(root, 'releases', `${file}.sha256`), 'utf8'), new RegExp(`^${sha256(w.pkg)}  ${file.replace(/\./g, '\\.')}\n$`));
      assert.deepEqual(fs.readdirSync(path.join(root, 'releases', '.emqx-relup')).filter((n) => n.startsWith('stage.')), [], 'no temp dir left');
      // The wrapper's own record on the host: one hand-over to the new runner.
      const runs = fs.readFileSync(path.join(root, 'log', 'emqx-relup.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as JsonLine);
      assert.deepEqual(runs.map((l) => [l.command, l.from, l.to, l.outcome]), [['upgrade', '5.0.0', '5.0.1', 'handed-over']], `${h}: host log`);
    }
    // The audit trail beside the state: each host's upgrade command, as sent, with its exit status.
    const audit = fs.readFileSync(report.state.replace(/\.json$/, '.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as JsonLine);
    // (The phase also holds the status query that records the node's cluster peers first.)
    const upgrading = audit.filter((l) => l.event === 'exec' && l.phase === 'upgrading');
    assert.deepEqual(upgrading.map((l) => [l.host, /--status --json$/.test(l.command) ? 'status' : / upgrade 5\.0\.1$/.test(l.command) ? 'upgrade' : l.command, l.exitCode]), HOSTS.flatMap((h) => [[h, 'status', 0], [h, 'upgrade', 0]]));
    const state = JSON.parse(fs.readFileSync(report.state, 'utf8')) as { hosts: Record<string, JsonLine> };
    assert.equal(path.dirname(report.state), w.dir, 'state defaults to the current directory');
    assert.deepEqual(Object.fromEntries(Object.entries(state.hosts).map(([h, s]: [string, JsonLine]) => [h, s.status])), { h1: 'done', h2: 'done', h3: 'done' });

    assert.deepEqual(leftoverSsh(), [], 'shared ssh connections closed');

    const before = w.snap();
    const again = await runRollout(w.args(), w.dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /complete/);
    assert.match(again.stdout, /h1 +5\.0\.1 +at-target/);
    assert.deepEqual(w.snap(), before, 're-run changes nothing');
  });

  it('halts at the first host whose upgrade fails, later hosts untouched, then resumes after the fix', async () => {
    const w = world();
    fs.writeFileSync(path.join(w.roots.h2!, 'FAIL_UPGRADE'), '');
    const h3Before = snapshot(w.roots.h3!);
    const r = await runRollout(w.args(), w.dir);
    assert.equal(r.code, 70, r.stderr);
    assert.match(r.stderr, /error: rollout halted at h2: .*emqx upgrade 5\.0\.1 failed.*1 host\(s\) done, 1 not upgraded; fix h2 and re-run/);
    assert.match(r.stdout, /HALTED/);
    assert.match(r.stdout, /h1 +5\.0\.0 -> 5\.0\.1 +done/);
    assert.match(r.stdout, /h2 +5\.0\.0 +failed: /);
    assert.match(r.stdout, /stderr\| release_handler:install_release failed: \{error,\{enoent,"relup"\}\}/, 'remote output in the report');
    assert.match(r.stdout, /h3 +5\.0\.0 +staged/);
    assert.equal(upgrades(w.roots.h3!).length, 0, 'h3 never upgraded');
    const h3After = snapshot(w.roots.h3!);
    // Staging happened everywhere before the first change; beyond that h3 is as it was.
    for (const k of Object.keys(h3Before)) assert.equal(h3After[k], h3Before[k], `h3 ${k} unchanged`);
    assert.deepEqual(Object.keys(h3After).filter((k) => !(k in h3Before)).filter((k) => !k.startsWith('releases/.emqx-relup') && !k.startsWith('releases/emqx-5.0.1')), []);
    const state = JSON.parse(fs.readFileSync(path.join(w.dir, 'emqx-5.0.1-ubuntu22.04-amd64.rollout.json'), 'utf8'));
    assert.equal(state.hosts.h1.status, 'done');
    assert.equal(state.hosts.h2.status, 'failed');
    assert.match(state.hosts.h2.error, /emqx upgrade 5\.0\.1 failed/);

    fs.rmSync(path.join(w.roots.h2!, 'FAIL_UPGRADE'));
    const again = await runRollout(w.args('--json'), w.dir);
    assert.equal(again.code, 0, again.stderr);
    const ev = events(again.stdout);
    assert.deepEqual(ev.find((e) => e.event === 'plan')!.batches, [['h2'], ['h3']], 'resume: no new canary, h1 skipped');
    assert.equal(ev.find((e) => e.event === 'plan')!.canary, false);
    assert.equal(upgrades(w.roots.h1!).length, 1, 'h1 not upgraded twice');
    assert.equal(upgrades(w.roots.h2!).length, 2, 'h2 retried');
    assert.equal(upgrades(w.roots.h3!).length, 1);
    assert.equal(ev.find((e) => e.phase === 'staged' && e.host === 'h3')!.detail, 'already there', 'staged package reused');
  });

  it('fails preflight on an unreachable host and changes nothing anywhere', async () => {
    const w = world({ hosts: ['h1', 'dead', 'h3'] });
    const before = w.snap();
    const r = await runRollout(w.args(), w.dir);
    assert.equal(r.code, 69, r.stderr);
    assert.match(r.stderr, /error: preflight failed, no host was touched: dead: cannot reach the host over SSH \(.*Connection refused.*\); check the host name/);
    assert.match(r.stdout, /dead +\? +untouched: /);
    assert.deepEqual(w.snap(), before);
    assert.deepEqual(fs.readdirSync(w.dir).filter((f) => f.endsWith('.rollout.json')), [], 'no state written');
  });

  it('refuses a package already staged on a host with another checksum, nothing changed', async () => {
    const w = world();
    const file = path.basename(w.pkg);
    fs.writeFileSync(path.join(w.roots.h2!, 'releases', file), 'not the package\n');
    const before = w.snap();
    const r = await runRollout(w.args('--json'), w.dir);
    assert.equal(r.code, 65, r.stderr);
    const err = JSON.parse(r.stderr.trim().split('\n').pop()!).error;
    assert.equal(err.code, 'CHECKSUM_MISMATCH');
    assert.match(err.message, /h2: .*releases\/emqx-5\.0\.1-ubuntu22\.04-amd64\.tar\.gz already exists with sha256 [0-9a-f]{16}\.\.\., the package has/);
    assert.deepEqual(w.snap(), before);
  });

  it('stops after the host in progress passes its gate on Ctrl-C, then resumes', async () => {
    const w = world();
    fs.writeFileSync(path.join(w.roots.h1!, 'SLOW_UPGRADE'), '1');
    const run = startRollout(w.args('--json'), w.dir, 60000, true);
    await run.waitForLine((l) => l.includes('"phase":"upgrading"') && l.includes('"host":"h1"'));
    // Ctrl-C at a terminal signals the whole foreground process group, twice for good measure:
    // the ssh carrying h1's upgrade must not die with it.
    process.kill(-run.child.pid!, 'SIGINT');
    process.kill(-run.child.pid!, 'SIGINT');
    const r = await run.done;
    assert.equal(r.code, 130, r.stderr);
    const ev = events(r.stdout);
    assert.ok(ev.some((e) => e.event === 'note' && /SIGINT: stopping after the host in progress finishes its gate/.test(e.message)));
    const report = ev.at(-1)!;
    assert.equal(report.interrupted, true);
    assert.deepEqual(report.hosts.map((h: JsonLine) => h.outcome), ['done', 'staged', 'staged']);
    assert.match(releasesOf(w.roots.h1!), /"5\.0\.1",.*permanent/, 'h1 finished, not cut mid-upgrade');
    assert.equal(upgrades(w.roots.h2!).length + upgrades(w.roots.h3!).length, 0);
    assert.equal(JSON.parse(fs.readFileSync(report.state, 'utf8')).hosts.h1.status, 'done');

    fs.rmSync(path.join(w.roots.h1!, 'SLOW_UPGRADE'));
    const again = await runRollout(w.args(), w.dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /h1 +5\.0\.1 +at-target\n +h2 +5\.0\.0 -> 5\.0\.1 +done\n +h3 +5\.0\.0 -> 5\.0\.1 +done/);
  });

  it('--dry-run preflights and prints the plan, changing nothing', async () => {
    const w = world();
    const before = w.snap();
    const r = await runRollout(w.args('--dry-run', '--batch', '2'), w.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /plan \(dry run, nothing changed\)[^\n]*\n(?: +[^\n]*\n)*? +canary : h1\n +batch 2: h2, h3\n/);
    assert.deepEqual(w.snap(), before);
    assert.deepEqual(fs.readdirSync(w.dir).filter((f) => f.endsWith('.rollout.json')), []);
  });

  it('refuses in preflight a node that is down, a held lock and a wrong edition, nothing changed', async () => {
    const w = world();
    fs.writeFileSync(path.join(w.roots.h3!, 'NODE_DOWN'), '');
    let before = w.snap();
    let r = await runRollout(w.args(), w.dir);
    assert.equal(r.code, 69, r.stderr);
    assert.match(r.stderr, /h3: the node is not running/);
    assert.deepEqual(w.snap(), before);
    fs.rmSync(path.join(w.roots.h3!, 'NODE_DOWN'));

    // The wrapper's lock format: "<pid> <token>", held by a live process (this test).
    fs.writeFileSync(path.join(w.roots.h2!, '.emqx-relup.lock'), `${process.pid} ${'ab'.repeat(8)}\n`);
    before = w.snap();
    r = await runRollout(w.args(), w.dir);
    assert.equal(r.code, 75, r.stderr);
    assert.match(r.stderr, new RegExp(`h2: another emqx run \\(pid ${process.pid}\\) holds the lock`));
    assert.deepEqual(w.snap(), before);
    fs.rmSync(path.join(w.roots.h2!, '.emqx-relup.lock'));

    const ent = makeRolloutPackage(fs.mkdtempSync(path.join(w.dir, 'ent-')), '5.0.1', { enterprise: true });
    before = w.snap();
    r = await runRollout([ent, ...w.args().slice(1)], w.dir);
    assert.equal(r.code, 78, r.stderr);
    assert.match(r.stderr, /h1: the installation is community but the package is enterprise/);
    assert.deepEqual(w.snap(), before);
  });

  it('halts at the gate when --check fails on a host, and batches after the canary', async () => {
    const w = world();
    fs.writeFileSync(path.join(w.roots.h1!, 'HEALTHY'), '');
    const r = await runRollout(w.args('--batch', '2', '--settle', '1', '--check', 'test -e HEALTHY && echo cluster ok || { echo "cluster: node not joined" >&2; exit 3; }', '--json'), w.dir);
    assert.equal(r.code, 70, r.stderr);
    const ev = events(r.stdout);
    const order = ev.map((e) => (e.event === 'note' ? e.message : `${e.host} ${e.phase}`));
    const settle = order.indexOf('settling 1s before the next host');
    assert.ok(settle > order.indexOf('h1 done') && settle < order.indexOf('h2 upgrading'), order.join('\n'));
    const report = ev.at(-1)!;
    assert.deepEqual(report.plan.batches, [['h1'], ['h2', 'h3']]);
    const byHost = Object.fromEntries(report.hosts.map((h: JsonLine) => [h.host, h]));
    assert.equal(byHost.h1.outcome, 'done');
    // h2 and h3 ran together in the second batch; both fail the operator's check.
    assert.equal(byHost.h2.outcome, 'failed');
    assert.match(byHost.h2.error.message, /health gate: --check exited 3/);
    assert.match(byHost.h2.stderr, /cluster: node not joined/);
    assert.equal(byHost.h2.version, '5.0.1');
  });

  it('--no-permanent leaves the target current but not permanent; --remote-emqx uses an installed wrapper', async () => {
    const w = world();
    const installed = `${process.execPath} ${path.join(REPO, 'dist', 'emqx.cjs')}`;
    const r = await runRollout(w.args('--no-permanent', '--batch', '2', '--remote-emqx', installed), w.dir);
    assert.equal(r.code, 0, r.stderr);
    for (const h of HOSTS) {
      assert.deepEqual(fs.readdirSync(path.join(w.roots[h]!, 'releases', '.emqx-relup')), [], 'no wrapper shipped');
      assert.match(releasesOf(w.roots[h]!), /"5\.0\.1","[^"]+",\[\],current\},\n \{release,"emqx","5\.0\.0","[^"]+",\[\],permanent/);
      assert.match(upgrades(w.roots[h]!)[0]!, /\[5\.0\.1\] \[--no-permanent\]$/);
    }
  });

  it('goes back only with --downgrade', async () => {
    const w = world();
    assert.equal((await runRollout(w.args(), w.dir)).code, 0);
    const back = makeRolloutPackage(fs.mkdtempSync(path.join(w.dir, 'old-')), '5.0.0');
    const argsBack = [back, ...w.args().slice(1)];
    const before = w.snap();
    const refused = await runRollout(argsBack, w.dir);
    assert.equal(refused.code, 64, refused.stderr);
    assert.match(refused.stderr, /h1: runs 5\.0\.1, newer than the target 5\.0\.0 \(and 2 more host\(s\) failed preflight\); pass --downgrade/);
    assert.deepEqual(w.snap(), before);
    const r = await runRollout([...argsBack, '--downgrade'], w.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rollout downgrade to 5\.0\.0: complete/);
    for (const h of HOSTS) {
      assert.match(releasesOf(w.roots[h]!), /^\[\{release,"emqx","5\.0\.0","[^"]+",\[\],permanent\}/);
      // The current (newer) release's escript drives the downgrade.
      assert.match(callsOf(w.roots[h]!).at(-1)!, /install_upgrade\.escript-5\.0\.1\] \[downgrade\] .* \[5\.0\.0\]$/);
    }

    // The same upgrade again: the first rollout's state file (every host done) must not turn
    // this into a resume that skips the canary.
    const up = await runRollout(w.args('--batch', '3', '--json'), w.dir);
    assert.equal(up.code, 0, up.stderr);
    const ev = events(up.stdout);
    assert.equal(ev.find((e) => e.event === 'resume')!.kind, 'replace');
    assert.ok(ev.some((e) => e.event === 'note' && /records a finished rollout \(started [^)]+\), which this one replaces$/.test(e.message)));
    assert.deepEqual(ev.find((e) => e.event === 'plan')!.batches, [['h1'], ['h2', 'h3']]);
    const order = ev.filter((e) => e.event === 'phase').map((e) => `${e.host} ${e.phase}`);
    assert.ok(order.indexOf('h1 done') < order.indexOf('h2 upgrading') && order.indexOf('h1 done') < order.indexOf('h3 upgrading'), order.join('\n'));
    for (const h of HOSTS) assert.equal(upgrades(w.roots[h]!).length, 2);
  });

  it('gates a host whose --check failed again on resume, and counts it done only once it passes', async () => {
    const w = world();
    for (const h of ['h1', 'h3']) fs.writeFileSync(path.join(w.roots[h]!, 'HEALTHY'), '');
    const args = w.args('--check', 'test -e HEALTHY || { echo "not joined" >&2; exit 3; }');
    const r1 = await runRollout(args, w.dir);
    assert.equal(r1.code, 70, r1.stderr);
    assert.match(r1.stdout, /h2 +5\.0\.0 -> 5\.0\.1 +failed: health gate: --check exited 3/);

    const r2 = await runRollout(args, w.dir);
    assert.equal(r2.code, 70, r2.stderr);
    assert.match(r2.stdout, /^rollout upgrade to 5\.0\.1: HALTED[^\n]*\n +resuming the rollout started \S+ \(state \S+\): h1 done, h2 failed, h3 pending\n/);
    assert.match(r2.stderr, /error: rollout halted at h2 \(gated again, it failed again\): (h2: )?health gate: --check exited 3; no host was staged or upgraded in this run/);
    assert.equal(upgrades(w.roots.h3!).length, 0, 'h3 waits for h2');

    fs.writeFileSync(path.join(w.roots.h2!, 'HEALTHY'), '');
    const r3 = await runRollout(args, w.dir);
    assert.equal(r3.code, 0, r3.stderr);
    assert.match(r3.stdout, /h1 +5\.0\.1 +at-target\n +h2 +5\.0\.0 -> 5\.0\.1 +done\n +h3 +5\.0\.0 -> 5\.0\.1 +done/);
    assert.equal(upgrades(w.roots.h2!).length, 1, 'h2 gated again, not upgraded again');
    const state = JSON.parse(fs.readFileSync(path.join(w.dir, 'emqx-5.0.1-ubuntu22.04-amd64.rollout.json'), 'utf8'));
    assert.deepEqual(Object.fromEntries(Object.entries(state.hosts).map(([h, s]) => [h, (s as JsonLine).status])), { h1: 'done', h2: 'done', h3: 'done' });
  });

  it('stages over ssh cat on a host whose sshd has no sftp subsystem (OpenSSH 9 scp fails there)', async () => {
    const w = world({ hosts: ['h1', 'bare'] });
    // The fixture really lacks SFTP: a plain scp to it fails as it would for the rollout.
    const probe = spawnSync('scp', ['-F', cluster.configFile, '-q', '--', w.inventory, `bare:${w.dir}/copied`], { encoding: 'utf8' });
    assert.equal(probe.status, 255, probe.stderr);
    const r = await runRollout(w.args('--json'), w.dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = events(r.stdout).at(-1)!;
    assert.deepEqual(report.warnings, ['bare: scp failed (scp: Connection closed), copied over ssh cat instead (does its sshd lack the sftp subsystem?)']);
    const file = path.basename(w.pkg);
    assert.equal(sha256(path.join(w.roots.bare!, 'releases', file)), sha256(w.pkg));
    assert.deepEqual(fs.readdirSync(path.join(w.roots.bare!, 'releases', '.emqx-relup')).filter((n) => n.startsWith('stage.')), []);
    assert.match(releasesOf(w.roots.bare!), /"5\.0\.1","[^"]+",\[\],permanent/);
  });
});
