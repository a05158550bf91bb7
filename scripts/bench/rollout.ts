// The rollout part of `npm run bench`: a fleet of loopback hosts, one real sshd each
// (scripts/fixtures/sshd.ts, as the rollout tests use), each with its own fake release root at
// 5.0.0 whose escript stand-in takes a fixed 200 ms per upgrade, so the figures are the
// orchestration. The same hosts do the same per-host work under three drivers: the rollout, a
// shell loop of scp + ssh over a shared connection (the floor) and ansible-playbook, serial: 1.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeRolloutPackage, releasesOf, resetRolloutRoot, startNodeStandIn } from '../fixtures/rollout-roots.js';
import { startSshCluster, type SshCluster } from '../fixtures/sshd.js';
import { rootArg } from '../../src/rollout/remote.js';
import { shJoin } from '../../src/rollout/quote.js';
import { kibToMB, log, runCases, type Case, type Results } from './cases.js';
import { firstLine, realtimePrefix, timed, type Run } from './measure.js';
import { ansibleId, floorId, jsonLines, preflightId, rolloutId, RSS_ID, STAGE_PARALLEL, stageId, stagingSpan } from './rollout-targets.js';

const FROM = '5.0.0';
const TO = '5.0.1';
/** Seconds the escript stand-in spends in each upgrade (its SLOW_UPGRADE marker). */
export const UPGRADE_SECONDS = '0.2';

interface Host {
  alias: string;
  root: string;
}

interface Fleet {
  cluster: SshCluster;
  hosts: Host[];
  pkg: string;
  stop(): Promise<void>;
}

async function startFleet(dir: string, n: number): Promise<Fleet> {
  // The remote side of every command runs in these sshd's sessions: under --rt they are real-time too.
  const cluster = await startSshCluster(
    Array.from({ length: n }, (_, i) => `h${i + 1}`),
    { plainLogin: true, prefix: realtimePrefix() },
  );
  const standIns: Array<{ kill(): void }> = [];
  try {
    const hosts = cluster.hosts.map((h) => ({ alias: h.alias, root: path.join(dir, 'roots', h.alias) }));
    for (const h of hosts) {
      resetRolloutRoot(h.root, { version: FROM });
      // The process EMQX's runner (and the fixture's) would take for the node: `-root ROOT` in its argv.
      standIns.push(startNodeStandIn(h.root));
    }
    const pkg = makeRolloutPackage(dir, TO);
    return {
      cluster,
      hosts,
      pkg,
      async stop() {
        for (const s of standIns) s.kill();
        await cluster.stop();
      },
    };
  } catch (e) {
    for (const s of standIns) s.kill();
    await cluster.stop();
    throw e;
  }
}

const CLK_TCK = Number(timed('getconf', ['CLK_TCK'], { captureStdout: true }).stdout.trim()) || 100;

/**
 * CPU time (user + sys, ms) used so far on the hosts' side: each sshd listener reaps its
 * sessions, which reaped what they ran, so it all adds up in the listeners' cutime + cstime.
 * On loopback that side shares this machine's cores with the driver.
 */
function fleetCpuMs(cluster: SshCluster): number {
  let ticks = 0;
  for (const h of cluster.hosts) {
    const pid = fs.readFileSync(h.pidFile, 'utf8').trim();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(f[13]) + Number(f[14]); // proc(5) fields 16 and 17, counted from the state (3)
  }
  return (ticks * 1000) / CLK_TCK;
}

/** Runs `measure` and records the hosts' CPU it caused under `remote-cpu:<id>` (sessions reaped first). */
function withFleetCpu<T>(res: Results, cluster: SshCluster, id: string, measure: () => T): T {
  const before = fleetCpuMs(cluster);
  const out = measure();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300); // sshd reaps closed sessions on SIGCHLD
  res.add(`remote-cpu:${id}`, fleetCpuMs(cluster) - before);
  return out;
}

/** Every host back at 5.0.0 with nothing staged; `failFirst` makes the first host's upgrade fail. */
function reset(hosts: readonly Host[], failFirst = false): void {
  for (const h of hosts) {
    resetRolloutRoot(h.root, { version: FROM });
    fs.writeFileSync(path.join(h.root, 'SLOW_UPGRADE'), UPGRADE_SECONDS);
  }
  if (failFirst && hosts[0]) fs.writeFileSync(path.join(hosts[0].root, 'FAIL_UPGRADE'), '');
}

const PERMANENT = new RegExp(`\\{release,"emqx","${TO.replace(/\./g, '\\.')}","[^"]+",\\[\\],permanent\\}`);

/** Every host really upgraded: the target permanent in RELEASES. */
function verify(what: string, hosts: readonly Host[]): void {
  const missed = hosts.filter((h) => !PERMANENT.test(releasesOf(h.root))).map((h) => h.alias);
  if (missed.length) throw new Error(`${what}: ${missed.join(', ')} not at ${TO} afterwards`);
}

function inventory(dir: string, hosts: readonly Host[]): string {
  const file = path.join(dir, `inventory-${hosts.length}`);
  fs.writeFileSync(file, hosts.map((h) => `${h.alias} ${h.root}\n`).join(''));
  return file;
}

function ok(what: string, r: Run, status = 0): Run {
  if (r.status !== status) throw new Error(`${what} exited ${r.status}, expected ${status}: ${firstLine(r.stderr) || firstLine(r.stdout)}`);
  return r;
}

// The floor: per host one scp of the package and one ssh running the wrapper, over a connection
// the two share; the masters are closed at the end, as the rollout closes its own.
const FLOOR = `
set -e
cfg=$1; cm=$2; pkg=$3; shift 3
while [ $# -gt 0 ]; do
  h=$1; dest=$2; cmd=$3; shift 3
  scp -q -F "$cfg" -o ControlMaster=auto -o "ControlPath=$cm/%C" -o ControlPersist=yes "$pkg" "$h:$dest"
  ssh -F "$cfg" -o ControlMaster=auto -o "ControlPath=$cm/%C" -o ControlPersist=yes "$h" "$cmd" > /dev/null
  hosts="$hosts $h"
done
for h in $hosts; do ssh -F "$cfg" -o "ControlPath=$cm/%C" -O exit "$h" 2> /dev/null; done
`;

function playbook(dir: string, pkg: string, emqx: string[]): string {
  const file = path.join(dir, 'upgrade.yml');
  const argv = [...emqx, '--root={{ relup_root }}', 'upgrade', TO].map((a) => JSON.stringify(a)).join(', ');
  fs.writeFileSync(
    file,
    [
      '- hosts: fleet',
      '  serial: 1',
      '  gather_facts: false',
      '  tasks:',
      '    - name: copy the package',
      '      ansible.builtin.copy:',
      `        src: ${JSON.stringify(pkg)}`,
      '        dest: "{{ relup_root }}/releases/"',
      '        mode: "0644"',
      '    - name: upgrade',
      '      ansible.builtin.command:',
      `        argv: [${argv}]`,
      '',
    ].join('\n'),
  );
  return file;
}

function ansibleInventory(dir: string, hosts: readonly Host[], sshConfig: string): string {
  const file = path.join(dir, `ansible-hosts-${hosts.length}.ini`);
  fs.writeFileSync(
    file,
    ['[fleet]', ...hosts.map((h) => `${h.alias} relup_root=${h.root}`), '', '[fleet:vars]', `ansible_ssh_common_args='-F ${sshConfig}'`, 'ansible_python_interpreter=/usr/bin/python3', ''].join('\n'),
  );
  return file;
}

/** Closes the ControlPersist masters ansible left in `cpDir` (60 s otherwise), outside the timing. */
function closeMasters(cpDir: string): void {
  for (const sock of fs.readdirSync(cpDir)) timed('ssh', ['-o', `ControlPath=${path.join(cpDir, sock)}`, '-O', 'exit', 'x']);
}

export interface RolloutBenchOptions {
  sizes: number[];
  rounds: number;
  repo: string;
}

/** Runs the rollout measurements into `res`. The fleet is started here and stopped before returning. */
export async function rolloutBench(o: RolloutBenchOptions, res: Results): Promise<void> {
  const max = Math.max(...o.sizes);
  // Short: ssh's ControlPath sockets live under it (a unix socket path is at most 107 bytes).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rb-'));
  log(`rollout: starting ${max} sshd on loopback, one fake root each (upgrade ${UPGRADE_SECONDS} s)`);
  let fleet: Fleet | null = null;
  // Ctrl-C: the sshd daemons and node stand-ins would outlive the benchmark.
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: stopping the fleet`);
    void (fleet?.stop() ?? Promise.resolve()).finally(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    fleet = await startFleet(dir, max);
    const f = fleet;
    const relup = path.join(o.repo, 'bin/emqx-relup');
    const emqx = [process.execPath, path.join(o.repo, 'bin/emqx')];
    const cfg = f.cluster.configFile;
    const state = path.join(dir, 'rollout.json');
    const rolloutArgs = (hosts: readonly Host[], ...extra: string[]) => {
      fs.rmSync(state, { force: true });
      return [relup, 'rollout', f.pkg, '--inventory', inventory(dir, hosts), '-F', cfg, '--remote-node', process.execPath, '--state', state, ...extra];
    };
    const hasAnsible = timed('ansible-playbook', ['--version']).status === 0;
    if (!hasAnsible) res.note('ansible', 'ansible-playbook is not installed (bash scripts/setup.sh --bench installs ansible-core): its rows are skipped');
    const book = playbook(dir, f.pkg, emqx);
    const ansibleCfg = path.join(dir, 'ansible.cfg');
    fs.writeFileSync(ansibleCfg, '');

    const cases: Case[] = [];
    for (const n of o.sizes) {
      const hosts = f.hosts.slice(0, n);
      cases.push({
        id: rolloutId(n),
        project: true,
        run() {
          reset(hosts);
          const r = withFleetCpu(res, f.cluster, rolloutId(n), () => ok('emqx-relup rollout', timed(process.execPath, rolloutArgs(hosts, '--batch', '1'))));
          verify('emqx-relup rollout', hosts);
          res.run(rolloutId(n), r);
          if (n === max && r.maxRssKiB !== null) res.add(RSS_ID, kibToMB(r.maxRssKiB));
        },
      });
      cases.push({
        id: floorId(n),
        project: false,
        run() {
          reset(hosts);
          const cm = fs.mkdtempSync(path.join(dir, 'cm-'));
          const triples = hosts.flatMap((h) => [h.alias, `${h.root}/releases/`, shJoin([...emqx, rootArg(h.root), 'upgrade', TO])]);
          const r = withFleetCpu(res, f.cluster, floorId(n), () => ok('the ssh+scp loop', timed('sh', ['-c', FLOOR, 'sh', cfg, cm, f.pkg, ...triples])));
          verify('the ssh+scp loop', hosts);
          res.run(floorId(n), r);
          fs.rmSync(cm, { recursive: true, force: true });
        },
      });
      if (hasAnsible) {
        const inv = ansibleInventory(dir, hosts, cfg);
        cases.push({
          id: ansibleId(n),
          project: false,
          run() {
            reset(hosts);
            const run = fs.mkdtempSync(path.join(dir, 'a-'));
            const cp = path.join(run, 'cp');
            fs.mkdirSync(cp);
            const env = {
              ...process.env,
              ANSIBLE_CONFIG: ansibleCfg,
              ANSIBLE_HOME: path.join(run, 'home'),
              ANSIBLE_LOCAL_TEMP: path.join(run, 'tmp'),
              ANSIBLE_REMOTE_TEMP: path.join(run, 'remote-tmp'),
              ANSIBLE_SSH_CONTROL_PATH_DIR: cp,
              ANSIBLE_NOCOLOR: '1',
              ANSIBLE_RETRY_FILES_ENABLED: '0',
            };
            try {
              const r = withFleetCpu(res, f.cluster, ansibleId(n), () => {
                try {
                  return ok('ansible-playbook', timed('ansible-playbook', ['-i', inv, book], { env, captureStdout: true }));
                } finally {
                  closeMasters(cp);
                }
              });
              verify('ansible-playbook', hosts);
              res.run(ansibleId(n), r);
            } finally {
              fs.rmSync(run, { recursive: true, force: true });
            }
          },
        });
      }
    }
    for (const n of [1, max]) {
      const hosts = f.hosts.slice(0, n);
      cases.push({
        id: preflightId(n),
        project: true,
        run() {
          reset(hosts);
          const r = withFleetCpu(res, f.cluster, preflightId(n), () => ok('emqx-relup rollout --dry-run', timed(process.execPath, rolloutArgs(hosts, '--dry-run'))));
          res.run(preflightId(n), r);
        },
      });
    }
    for (const p of STAGE_PARALLEL) {
      cases.push({
        id: stageId(p),
        project: true,
        run() {
          // The canary's upgrade fails, so the run stops right after staging every host (exit 70).
          reset(f.hosts, true);
          const r = ok('emqx-relup rollout with a failing canary', timed(process.execPath, rolloutArgs(f.hosts, '--json', '--stage-parallel', String(p)), { captureStdout: true }), 70);
          const span = stagingSpan(jsonLines(r.stdout));
          if (!span || span.hosts !== f.hosts.length) throw new Error(`--stage-parallel ${p}: ${span?.hosts ?? 0} of ${f.hosts.length} hosts staged`);
          res.add(stageId(p), span.ms);
        },
      });
    }
    log(`rollout: ${o.rounds} round(s) at ${o.sizes.join(', ')} host(s)`);
    runCases(cases, o.rounds, res, false, true);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await fleet?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
