// Preflight: every host is read (never written) and judged before any host is touched.
import { RelupError, codeExit as codeSet, type ErrorCode } from '../errors.js';
import { compareVersions, type Edition } from '../version/index.js';
import { hotPatchesError } from '../release/data-dir.js';
import type { HostSpec } from './host-spec.js';
import { hostEmqx, parseProbe, probeCommand, statusCommand, type Probe, type RemoteEmqx } from './remote.js';
import { lastOutputLine, neverConnected, SSH_FAILURE, type ExecResult, type Transport } from './ssh.js';
import { isAtTarget, parseStatus, runningVersion, type WrapperStatus } from './status.js';

export interface Want {
  packageFile: string;
  packageSha: string;
  packageSize: number;
  edition: Edition;
  target: string;
  downgrade: boolean;
  permanent: boolean;
  wrapperSha: string | null;
  /** Upgrade paths of the package's releases/<target>/relup; null when it has none. */
  relup: { upFrom: string[]; downTo: string[] } | null;
}

export interface HostFacts {
  host: HostSpec;
  probe: Probe;
  status: WrapperStatus;
  running: string;
  atTarget: boolean;
  /** What staging still has to send. */
  needPackage: boolean;
  needSidecar: boolean;
  needWrapper: boolean;
  warnings: string[];
}

/** Room for the unpacked release next to the package: release_handler unpacks into lib/ and releases/. */
export function requiredBytes(packageSize: number, staged: boolean): number {
  const margin = Math.max(64 * 1024 * 1024, 3 * packageSize);
  return (staged ? 0 : packageSize) + margin;
}

function fail(host: HostSpec, code: ErrorCode, what: string, hint: string, output?: ExecResult): RelupError {
  return new RelupError(code, `${host.dest}: ${what}`, {
    hint,
    details: { host: host.dest, root: host.root, ...(output ? { stdout: output.stdout, stderr: output.stderr } : {}) },
  });
}

export function unreachable(host: HostSpec, r: ExecResult): RelupError {
  const why = r.stderr.trim().split('\n').filter(Boolean).pop() ?? `ssh exited ${r.exitCode}`;
  return fail(host, 'UNREACHABLE', `cannot reach the host over SSH (${why})`, 'check the host name, ssh_config (-F), keys and that sshd runs; nothing was changed', r);
}

/** ssh's 255 once connected: the command may have run, so no "nothing was changed" here. */
export function lostConnection(host: HostSpec, doing: string, r: ExecResult): RelupError {
  const why = r.stderr.trim().split('\n').filter(Boolean).pop() ?? `ssh exited ${r.exitCode}`;
  return fail(host, 'UNREACHABLE', `lost the SSH connection during ${doing} (${why})`, 'check the host and the network, then re-run the same command: it reads the host again', r);
}

/** Turns a failed wrapper run into the wrapper's own typed error when it printed one. */
export function remoteError(host: HostSpec, doing: string, r: ExecResult, hint: string): RelupError {
  if (r.exitCode === SSH_FAILURE) return neverConnected(r) ? unreachable(host, r) : lostConnection(host, doing, r);
  for (const line of r.stderr.split('\n').reverse()) {
    try {
      const e = (JSON.parse(line) as { error?: { code?: string; message?: string } }).error;
      if (e?.message) {
        const code = (e.code && e.code in codeSet ? e.code : 'REMOTE') as ErrorCode;
        return fail(host, code, `${doing} failed: ${e.message}`, hint, r);
      }
    } catch {
      /* not the JSON error line */
    }
  }
  // The wrapper's --json warnings line, printed last, is not what went wrong.
  const last = lastOutputLine({ ...r, stderr: r.stderr.split('\n').filter((l) => !l.startsWith('{"warnings":')).join('\n') });
  return fail(host, 'REMOTE', `${doing} failed (exit ${r.exitCode}${r.timedOut ? ', timed out' : ''}): ${last}`, hint, r);
}

/** The pure verdict on one host's facts. */
export function judgeHost(host: HostSpec, probe: Probe, status: WrapperStatus, want: Want): HostFacts {
  const running = runningVersion(status);
  const atTarget = isAtTarget(status, want.target, want.permanent);
  const warnings: string[] = status.warnings.map((w) => `${host.dest}: ${w}`);
  if (status.edition !== want.edition) {
    throw fail(host, 'EDITION_MISMATCH', `the installation is ${status.edition} but the package is ${want.edition}`, 'use the package of the installed edition; nothing was changed');
  }
  if (status.nodeAlive === false) {
    throw fail(host, 'NODE_DOWN', 'the node is not running (no pong)', 'start it (emqx start) before a hot upgrade; nothing was changed');
  }
  if (status.nodeAlive === null) warnings.push(`${host.dest}: node liveness could not be checked (no bin/nodetool, no cookie, or nodetool failed: see its warning)`);
  const facts: HostFacts = { host, probe, status, running, atTarget, needPackage: false, needSidecar: false, needWrapper: false, warnings };
  if (atTarget) return facts;
  // Hot patches (<data_dir>/patches/*.beam) would shadow the upgraded modules on every host that has them.
  if (status.patches?.modules.length) {
    throw hotPatchesError(status.patches.dir, status.patches.modules, `remove them on the host, or take it there alone with 'emqx ${want.downgrade ? 'downgrade' : 'upgrade'} ${want.target} --allow-patches'`, `${host.dest}: `);
  }
  const cmp = compareVersions(want.target, running);
  if (!want.downgrade && cmp < 0) {
    throw fail(host, 'USAGE', `runs ${running}, newer than the target ${want.target}`, 'pass --downgrade to go back to an older release; nothing was changed');
  }
  if (want.downgrade && cmp > 0) {
    throw fail(host, 'USAGE', `runs ${running}, older than the downgrade target ${want.target}`, 'drop --downgrade to upgrade; nothing was changed');
  }
  checkPath(host, status, running, want, warnings);
  if (status.lockHolder !== null) {
    throw fail(host, 'LOCKED', `another emqx run (pid ${status.lockHolder}) holds the lock in ${host.root}`, 'wait for it to finish, then re-run; nothing was changed');
  }
  if (!probe.hasSha256sum) {
    throw fail(host, 'NOT_FOUND', 'sha256sum is not installed', 'install coreutils on the host; nothing was changed');
  }
  if (probe.packageSha !== null && probe.packageSha !== want.packageSha) {
    throw fail(
      host,
      'CHECKSUM_MISMATCH',
      `${host.root}/releases/${want.packageFile} already exists with sha256 ${probe.packageSha.slice(0, 16)}..., the package has ${want.packageSha.slice(0, 16)}...`,
      'remove that file on the host or check which package is right; nothing was changed',
    );
  }
  if (probe.sidecarSha !== null && probe.sidecarSha !== want.packageSha) {
    throw fail(
      host,
      'CHECKSUM_MISMATCH',
      `${host.root}/releases/${want.packageFile}.sha256 names sha256 ${probe.sidecarSha.slice(0, 16)}..., the package has ${want.packageSha.slice(0, 16)}...`,
      'remove that file on the host or check which package is right; nothing was changed',
    );
  }
  facts.needPackage = probe.packageSha === null;
  facts.needSidecar = probe.sidecarSha === null;
  facts.needWrapper = want.wrapperSha !== null && probe.wrapperSha !== want.wrapperSha;
  const need = requiredBytes(want.packageSize, !facts.needPackage);
  if (probe.availBytes !== null && probe.availBytes < need) {
    throw fail(
      host,
      'CANNOT_WRITE',
      `only ${mib(probe.availBytes)} MiB free in ${host.root}/releases, ${mib(need)} MiB needed (package + unpack room)`,
      'free disk space on the host; nothing was changed',
    );
  }
  if (probe.availBytes === null) warnings.push(`${host.dest}: could not read free disk space (df -Pk)`);
  return facts;
}

/**
 * The host's running release against the relups, before any host is touched: going up, the
 * package's relup must list it as an UpFrom (none at all: release_handler would unpack but not
 * install, so only a warning, as the wrapper gives); going down, the host's running release's
 * relup (from its --status) must list the target as a DownTo.
 */
function checkPath(host: HostSpec, status: WrapperStatus, running: string, want: Want, warnings: string[]): void {
  // Running the target, only not permanent yet: making it permanent needs no path.
  if (running === want.target) return;
  if (!want.downgrade) {
    if (want.relup === null) {
      warnings.push(`${host.dest}: the package has no releases/${want.target}/relup: release_handler will unpack ${want.target} but cannot install it over ${running}`);
    } else if (!want.relup.upFrom.includes(running)) {
      throw fail(host, 'NO_UPGRADE_PATH', `runs ${running}, which the package's relup does not upgrade from (it upgrades from ${want.relup.upFrom.join(', ') || 'no version'})`, `upgrade that host to one of those first, or upgrade it with a restart; nothing was changed`);
    }
    return;
  }
  // An older remote wrapper does not report relup: its own check refuses on the host instead.
  if (status.relup === undefined) return;
  if (status.relup === null || !status.relup.downTo.includes(want.target)) {
    const has = status.relup === null ? `has no releases/${running}/relup` : `has a relup that downgrades only to ${status.relup.downTo.join(', ') || 'no version'}`;
    throw fail(host, 'NO_UPGRADE_PATH', `runs ${running}, which ${has}, not to ${want.target}`, `downgrade that host with a restart instead; nothing was changed`);
  }
}

function mib(n: number): string {
  return (n / 1048576).toFixed(1);
}

export async function preflightHost(t: Transport, host: HostSpec, shipped: RemoteEmqx, want: Want, timeoutMs: number): Promise<HostFacts> {
  // A host given the single executable (runtime.ts) runs it, and needs no shipped wrapper.
  if (host.runtimeError) throw host.runtimeError;
  const emqx = hostEmqx(shipped, host);
  const pr = await t.exec(host.dest, probeCommand(emqx, host.root, want.packageFile), { timeoutMs });
  if (pr.exitCode === SSH_FAILURE || pr.timedOut) throw unreachable(host, pr);
  if (pr.exitCode !== 0) throw remoteError(host, 'the preflight probe', pr, 'check the host has a POSIX sh, df and sha256sum');
  const probe = parseProbe(pr.stdout);
  if (!probe.rootExists) throw fail(host, 'NOT_FOUND', `release root ${host.root} does not exist`, 'fix --root or the inventory; nothing was changed');
  if (!probe.varsExists) throw fail(host, 'NOT_FOUND', `${host.root}/releases/emqx_vars is missing: not an EMQX release root`, 'fix --root or the inventory; nothing was changed');
  if (emqx.kind === 'shipped' && !probe.hasNode) {
    throw fail(host, 'NOT_FOUND', `${emqx.node} (Node.js) is not found on the host`, 'install Node.js >= 20 there, pass --remote-runtime exe (after npm run build:exe), --remote-node PATH or --remote-emqx CMD; nothing was changed');
  }
  const staged = emqx.kind === 'shipped' && probe.wrapperSha === emqx.sha256;
  const sc = statusCommand(emqx, host.root, staged);
  const sr = await t.exec(host.dest, sc.command, { timeoutMs, ...(sc.inputFile ? { inputFile: sc.inputFile } : {}) });
  if (sr.exitCode !== 0) throw remoteError(host, 'emqx --status', sr, 'fix what the remote emqx reports; nothing was changed');
  return judgeHost(host, probe, parseStatus(host.dest, sr.stdout), emqx === shipped ? want : { ...want, wrapperSha: null });
}
