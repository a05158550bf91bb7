// An in-memory Transport for rollout() unit tests: a few hosts, each a small model of a release
// root (RELEASES, the staged package, sidecar and wrapper, the node, the lock). It is strict: it
// answers only the exact command lines the real remote side is sent (built with the same
// remote.ts builders the rollout uses, from the host's current state) and the copies staging
// makes; anything else is recorded in `unexpected` and fails the call loudly (an exception, not
// a remote exit status), so a test can never pass on an answer the fake made up.
import { basename } from 'node:path';
import {
  catIntoCommand,
  checkCommand,
  detachCommand,
  emqxCommand,
  followCommand,
  finalizeCommand,
  mkStageTempCommand,
  probeCommand,
  removeTempCommand,
  stageDir,
  statusCommand,
  type RemoteEmqx,
} from '../../src/rollout/remote.js';
import type { ExecOptions, ExecResult, Transport } from '../../src/rollout/ssh.js';
import { fileSha256 } from './support.js';
import { formatRunLine } from '../../src/process/run-line.js';

export interface FakeHost {
  root: string;
  edition: 'community' | 'enterprise';
  /** release_handler's RELEASES: version -> status. */
  releases: Map<string, string>;
  nodeAlive: boolean;
  lockHolder: number | null;
  /** sha256 of releases/<package>, its sidecar and the staged wrapper, when there. */
  packageSha: string | null;
  sidecarSha: string | null;
  wrapperSha: string | null;
  /** Exit status of the upgrade command (0: release_handler installs the target). */
  upgradeExit: number;
  /** What a failing upgrade prints on stderr (default: release_handler's missing relup). */
  upgradeStderr?: string;
  /** After a successful upgrade: the node stops answering (a gate failure). */
  diesOnUpgrade: boolean;
  /** Exit status of the operator's --check. */
  checkExit: number;
  /** The operator's --check fails (exit 1) while the node runs this version. */
  checkFailsOn?: string;
  /** Erlang nodes the node sees (reported as `peers` while it answers). */
  peers: string[];
  /** After a successful upgrade the node sees only these; a downgrade brings the old ones back. */
  peersAfterUpgrade?: string[];
  /** Set by the upgrade: the peers before it, which a downgrade brings back (a host carried to a new fake keeps it). */
  peersBeforeUpgrade?: string[];
  /** Exit status of a hot downgrade (`emqx downgrade <v>`, a rollback). */
  downgradeExit: number;
  /** Called when the host's upgrade command runs (e.g. to request a stop meanwhile). */
  onUpgrade?: () => void;
  /** scp ends as against an sshd with no `Subsystem sftp` (OpenSSH 9's scp: exit 255, "Connection closed"). */
  noSftp: boolean;
  /** Exit status of `cat > FILE` over ssh (1: the disk is full; 255: ssh lost the host). */
  catExit: number;
  /** What `emqx --dry-run --json upgrade` prints on stdout instead of the plan, when set. */
  dryRunStdout?: string;
  /**
   * The connection drops while the (detached) upgrade runs: it ends on the host all the same;
   * 'reconnects': the next `--follow` reads its end; 'stays-down': every later command gets 255.
   */
  dropOnUpgrade?: 'reconnects' | 'stays-down';
  /** false: the detached run's end carries no status after it (an older wrapper): the gate asks for one. */
  reportsAfter?: boolean;
}

export interface FakeCall {
  dest: string;
  kind: 'probe' | 'status-stdin' | 'status' | 'mktemp' | 'copy' | 'cat' | 'finalize' | 'rm-temp' | 'dry-run' | 'upgrade' | 'downgrade' | 'check' | 'follow';
  detail?: string;
}

export interface Fake extends Transport {
  hosts: Map<string, FakeHost>;
  calls: FakeCall[];
  unexpected: string[];
  closed: boolean;
  /** Kinds of the calls made to one host, in order. */
  kinds(dest: string): FakeCall['kind'][];
}

export interface FakeSpec {
  emqx: Extract<RemoteEmqx, { kind: 'shipped' }>;
  packageFile: string;
  packageSha: string;
  target: string;
  /** The operator's --check command, if the rollout passes one. */
  check?: string;
}

const ok = (stdout = '', stderr = ''): ExecResult => ({ exitCode: 0, stdout, stderr, timedOut: false });

export function fakeHost(over: Partial<FakeHost> & { root: string; running?: string }): FakeHost {
  const { running = '5.0.0', ...rest } = over;
  return {
    edition: 'community',
    releases: new Map([[running, 'permanent']]),
    nodeAlive: true,
    lockHolder: null,
    packageSha: null,
    sidecarSha: null,
    wrapperSha: null,
    upgradeExit: 0,
    diesOnUpgrade: false,
    checkExit: 0,
    noSftp: false,
    catExit: 0,
    peers: [],
    downgradeExit: 0,
    ...rest,
  };
}

export function makeFake(spec: FakeSpec, hosts: Record<string, FakeHost>): Fake {
  const { emqx, packageFile, target } = spec;
  const map = new Map(Object.entries(hosts));
  const calls: FakeCall[] = [];
  const unexpected: string[] = [];
  /** dest -> temp dir made by mktemp, with the basenames and sha256 of what was copied in. */
  const temps = new Map<string, { dir: string; files: Map<string, string> }>();
  let tempSeq = 0;
  /** Detached runs by id: what their follower prints. Hosts whose connection stays down. */
  const runs = new Map<string, ExecResult>();
  const down = new Set<string>();

  const fail = (what: string): never => {
    unexpected.push(what);
    throw new Error(`fake transport: unexpected ${what}`);
  };
  const host = (dest: string): FakeHost => map.get(dest) ?? fail(`host ${dest}`);

  const statusJson = (dest: string, h: FakeHost) => {
    const releases = [...h.releases].map(([version, status]) => ({ version, status }));
    const permanent = releases.find((r) => r.status === 'permanent')?.version ?? '';
    return (
      JSON.stringify({
        root: h.root,
        relName: 'emqx',
        edition: h.edition,
        currentVersion: permanent,
        node: { name: `emqx@${dest}`, nameType: '-name', nameSource: 'vm.args', cookieSource: 'vm.args' },
        nodeAlive: h.nodeAlive,
        lockHolder: h.lockHolder,
        peers: h.nodeAlive ? h.peers : null,
        releases,
        packages: h.packageSha ? [packageFile] : [],
        warnings: [],
        host: dest,
      }) + '\n'
    );
  };
  const running = (h: FakeHost) => [...h.releases].find(([, st]) => st === 'current')?.[0] ?? [...h.releases].find(([, st]) => st === 'permanent')?.[0];
  const changeArgs = (h: FakeHost, permanent: boolean) => [
    '--package',
    `${h.root}/releases/${packageFile}`,
    '--require-checksum',
    'upgrade',
    target,
    ...(permanent ? [] : ['--no-permanent']),
  ];
  // What the staged wrapper on the host would refuse before doing anything.
  const stagedProblem = (h: FakeHost): string | null => {
    if (h.packageSha !== spec.packageSha) return `no package ${packageFile} with the rollout's sha256 in releases/`;
    if (h.sidecarSha !== spec.packageSha) return `no matching ${packageFile}.sha256`;
    return null;
  };

  const t: Fake = {
    hosts: map,
    calls,
    unexpected,
    closed: false,
    kinds: (dest) => calls.filter((c) => c.dest === dest).map((c) => c.kind),

    async exec(dest: string, command: string, opts: ExecOptions = {}): Promise<ExecResult> {
      if (t.closed) fail(`exec on ${dest} after close()`);
      const h = host(dest);
      const stdin = opts.inputFile;
      const note = (kind: FakeCall['kind'], detail?: string) => calls.push({ dest, kind, ...(detail ? { detail } : {}) });
      if (down.has(dest)) return { exitCode: 255, stdout: '', stderr: `ssh: connect to host ${dest} port 22: Connection refused\r\n`, timedOut: false };
      // The detached runs' ends, as `--follow=ID` reads them on the host.
      const follow = /--follow=([A-Za-z0-9._-]+)/.exec(command)?.[1];
      if (follow !== undefined && command === followCommand(emqx, h.root, follow)) {
        note('follow');
        const r = runs.get(follow) ?? { exitCode: 0, stdout: formatRunLine({ id: follow, state: 'not-started' }) + '\n', stderr: '', timedOut: false };
        return r;
      }
      const id = /--detach=([A-Za-z0-9._-]+)/.exec(command)?.[1];
      if (id !== undefined && !opts.holdStdin) fail(`a detached run on ${dest} whose stdin is not held open`);
      // A detached command's end, printed by its follower; kept for a `--follow` after a drop.
      const ended = (r: ExecResult): ExecResult => {
        // The wrapper reports the host's status right after the command, from the same process (the gate's facts).
        const after = h.reportsAfter === false ? {} : { after: JSON.parse(statusJson(dest, h)) as unknown };
        const out = { ...r, stdout: r.stdout + formatRunLine({ id: id!, state: 'ended', exitCode: r.exitCode, ...after }) + '\n' };
        runs.set(id!, out);
        if (!h.dropOnUpgrade) return out;
        if (h.dropOnUpgrade === 'stays-down') down.add(dest);
        return { exitCode: 255, stdout: '', stderr: `Connection to ${dest} closed by remote host.\r\n`, timedOut: false };
      };
      const staged = h.wrapperSha === emqx.sha256;

      if (command === probeCommand(emqx, h.root, packageFile) && !stdin) {
        note('probe');
        const lines = ['root ok', 'vars ok', 'sha256sum ok', 'node ok', `avail ${4 * 1024 * 1024}`];
        if (h.packageSha) lines.push(`package ${h.packageSha}`);
        if (h.sidecarSha) lines.push(`sidecar ${h.sidecarSha}`);
        if (h.wrapperSha) lines.push(`wrapper ${h.wrapperSha}`);
        return ok(lines.join('\n') + '\n');
      }
      const viaStdin = statusCommand(emqx, h.root, false);
      if (command === viaStdin.command && stdin === viaStdin.inputFile) {
        note('status-stdin');
        return ok(statusJson(dest, h));
      }
      const catTemp = temps.get(dest);
      if (stdin && catTemp && command === catIntoCommand(catTemp.dir, basename(stdin))) {
        if (!stdin.startsWith('/')) fail(`cat of a relative path ${stdin}`);
        note('cat', basename(stdin));
        if (h.catExit === 255) return { exitCode: 255, stdout: '', stderr: `Connection closed by ${dest} port 22\r\n`, timedOut: false };
        if (h.catExit !== 0) return { exitCode: h.catExit, stdout: '', stderr: `sh: 1: cannot create ${catTemp.dir}/${basename(stdin)}: No space left on device\n`, timedOut: false };
        catTemp.files.set(basename(stdin), fileSha256(stdin));
        return ok();
      }
      if (stdin) fail(`stdin ${stdin} for ${command} on ${dest}`);
      if (command === emqxCommand(emqx, h.root, ['--status', '--json'])) {
        if (!staged) fail(`status through a wrapper that is not staged on ${dest}`);
        note('status');
        return ok(statusJson(dest, h));
      }
      if (command === mkStageTempCommand(h.root)) {
        if (temps.has(dest)) fail(`a second mktemp on ${dest}`);
        const dir = `${stageDir(h.root)}/stage.fake${++tempSeq}`;
        temps.set(dest, { dir, files: new Map() });
        note('mktemp');
        return ok(`${dir}\n`);
      }
      const temp = temps.get(dest);
      if (temp) {
        const pkgSent = temp.files.has(packageFile);
        const wrapperSent = temp.files.get(basename(emqx.localFile));
        const fin = finalizeCommand(
          h.root,
          temp.dir,
          { file: packageFile, sha256: spec.packageSha, sent: pkgSent },
          wrapperSent !== undefined ? { name: emqx.name, sha256: emqx.sha256, sentAs: basename(emqx.localFile) } : null,
        );
        if (command === fin) {
          note('finalize');
          temps.delete(dest);
          if (pkgSent && temp.files.get(packageFile) !== spec.packageSha) return { exitCode: 65, stdout: '', stderr: 'sha256 mismatch\n', timedOut: false };
          if (wrapperSent !== undefined && wrapperSent !== emqx.sha256) return { exitCode: 65, stdout: '', stderr: 'sha256 mismatch\n', timedOut: false };
          if (pkgSent) h.packageSha = spec.packageSha;
          h.sidecarSha = spec.packageSha;
          if (wrapperSent !== undefined) h.wrapperSha = emqx.sha256;
          return ok();
        }
        if (command === removeTempCommand(temp.dir)) {
          note('rm-temp');
          temps.delete(dest);
          return ok();
        }
      }
      for (const permanent of [true, false]) {
        if (command === emqxCommand(emqx, h.root, ['--dry-run', '--json', ...changeArgs(h, permanent)])) {
          if (!staged) fail(`dry run through a wrapper that is not staged on ${dest}`);
          note('dry-run');
          const problem = stagedProblem(h);
          if (problem) return { exitCode: 66, stdout: '', stderr: JSON.stringify({ error: { code: 'NOT_FOUND', message: problem, exitCode: 66 } }) + '\n', timedOut: false };
          if (h.dryRunStdout !== undefined) return ok(h.dryRunStdout);
          return ok(JSON.stringify({ command: 'upgrade', root: h.root, targetVersion: target, action: 'run-escript' }) + '\n');
        }
        if (id !== undefined && command === detachCommand(emqx, h.root, id, ['--json', ...changeArgs(h, permanent)])) {
          if (!staged) fail(`upgrade through a wrapper that is not staged on ${dest}`);
          note('upgrade', permanent ? 'permanent' : 'no-permanent');
          h.onUpgrade?.();
          const problem = stagedProblem(h);
          if (problem) return ended({ exitCode: 66, stdout: '', stderr: JSON.stringify({ error: { code: 'NOT_FOUND', message: problem, exitCode: 66 } }) + '\n', timedOut: false });
          if (h.upgradeExit !== 0) return ended({ exitCode: h.upgradeExit, stdout: '', stderr: `${h.upgradeStderr ?? 'release_handler:install_release failed: {error,{enoent,"relup"}}'}\n`, timedOut: false });
          for (const [v, s] of h.releases) h.releases.set(v, permanent ? 'old' : s);
          h.releases.set(target, permanent ? 'permanent' : 'current');
          if (h.diesOnUpgrade) h.nodeAlive = false;
          if (h.peersAfterUpgrade) {
            h.peersBeforeUpgrade = h.peers;
            h.peers = h.peersAfterUpgrade;
          }
          return ended(ok());
        }
      }
      // A hot downgrade to an installed older release (the rollback), with the staged wrapper.
      for (const v of h.releases.keys()) {
        if (v === target || id === undefined || command !== detachCommand(emqx, h.root, id, ['--json', 'downgrade', v])) continue;
        if (!staged) fail(`downgrade through a wrapper that is not staged on ${dest}`);
        note('downgrade', v);
        if (!h.nodeAlive) return ended({ exitCode: 69, stdout: '', stderr: JSON.stringify({ error: { code: 'NODE_DOWN', message: 'node not running', exitCode: 69 } }) + '\n', timedOut: false });
        if (h.downgradeExit !== 0) return ended({ exitCode: h.downgradeExit, stdout: '', stderr: 'release_handler:install_release failed: {error,bad_relup_file}\n', timedOut: false });
        for (const k of h.releases.keys()) h.releases.set(k, 'old');
        h.releases.set(v, 'permanent');
        h.peers = h.peersBeforeUpgrade ?? h.peers;
        return ended(ok());
      }
      if (spec.check !== undefined && command === checkCommand(h.root, spec.check)) {
        note('check');
        if (h.checkFailsOn !== undefined && running(h) === h.checkFailsOn) return { exitCode: 1, stdout: '', stderr: `unhealthy on ${h.checkFailsOn}\n`, timedOut: false };
        return { exitCode: h.checkExit, stdout: h.checkExit === 0 ? 'healthy\n' : '', stderr: h.checkExit === 0 ? '' : 'unhealthy\n', timedOut: false };
      }
      return fail(`command on ${dest}: ${command}`);
    },

    async copy(dest: string, localFiles: string[], remoteDir: string): Promise<ExecResult> {
      if (t.closed) fail(`copy to ${dest} after close()`);
      host(dest);
      const temp = temps.get(dest);
      if (!temp || remoteDir !== temp.dir) fail(`copy to ${dest}:${remoteDir}, which mktemp did not make`);
      calls.push({ dest, kind: 'copy', detail: localFiles.map((f) => basename(f)).join(' ') });
      if (map.get(dest)!.noSftp) return { exitCode: 255, stdout: '', stderr: 'scp: Connection closed\r\n', timedOut: false };
      for (const f of localFiles) {
        if (!f.startsWith('/')) fail(`copy of a relative path ${f}`);
        temp!.files.set(basename(f), fileSha256(f));
      }
      return ok();
    },

    async close() {
      t.closed = true;
    },
  };
  return t;
}
