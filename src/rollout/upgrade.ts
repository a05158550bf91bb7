// One host's change and its health gate. Failures carry the remote output for the report.
import { RelupError } from '../errors.js';
import type { HostSpec } from './host-spec.js';
import { DEFAULT_RECONNECT_MS, runDetached } from './follow.js';
import { waitForPeers, type PeerGate } from './peers.js';
import { remoteError } from './preflight.js';
import { checkCommand, emqxCommand, hostEmqx, type RemoteEmqx } from './remote.js';
import type { Transport } from './ssh.js';
import { parseStatus, runningVersion, type WrapperStatus } from './status.js';
import { readStatusJson } from '../node/status-json.js';

export interface ChangeSpec {
  packageFile: string;
  target: string;
  downgrade: boolean;
  permanent: boolean;
}

function changeArgs(root: string, c: ChangeSpec): string[] {
  // Upgrades name the staged package and demand its sidecar; a downgrade runs the current
  // (newer) release's scripts and needs no package.
  const pkg = c.downgrade ? [] : ['--package', `${root}/releases/${c.packageFile}`, '--require-checksum'];
  return [...pkg, c.downgrade ? 'downgrade' : 'upgrade', c.target, ...(c.permanent ? [] : ['--no-permanent'])];
}

/** The wrapper's own plan on the host, after staging: proves it finds the package and agrees. */
export async function planCheck(t: Transport, host: HostSpec, emqx: RemoteEmqx, c: ChangeSpec, timeoutMs: number): Promise<void> {
  const r = await t.exec(host.dest, emqxCommand(hostEmqx(emqx, host), host.root, ['--dry-run', '--json', ...changeArgs(host.root, c)]), { timeoutMs });
  if (r.exitCode !== 0) throw remoteError(host, `emqx --dry-run ${c.downgrade ? 'downgrade' : 'upgrade'} ${c.target}`, r, 'fix what the remote emqx reports, then re-run');
  let plan: { targetVersion?: unknown };
  try {
    plan = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { targetVersion?: unknown };
  } catch {
    throw new RelupError('REMOTE', `${host.dest}: emqx --dry-run printed no JSON plan`, { hint: 'check the remote emqx wrapper version' });
  }
  if (plan.targetVersion !== c.target) {
    throw new RelupError('REMOTE', `${host.dest}: the remote plan targets ${String(plan.targetVersion)}, not ${c.target}`, { hint: 'check the package name and the remote emqx wrapper' });
  }
}

/**
 * The upgrade (or downgrade) itself, detached on the host and followed (follow.ts), with --json so
 * that the host's own error (LOCKED, CANNOT_WRITE, ...) keeps its code.
 */
export async function changeHost(
  t: Transport,
  host: HostSpec,
  emqx: RemoteEmqx,
  c: ChangeSpec,
  timeoutMs: number,
  reconnectMs = DEFAULT_RECONNECT_MS,
): Promise<{ stdout: string; stderr: string; status: WrapperStatus | null }> {
  const doing = `emqx ${c.downgrade ? 'downgrade' : 'upgrade'} ${c.target}`;
  const r = await runDetached(t, host, hostEmqx(emqx, host), ['--json', ...changeArgs(host.root, c)], doing, { timeoutMs, reconnectMs });
  if (r.exitCode !== 0) {
    throw remoteError(host, doing, r, 'see the remote output; the hosts after it were not upgraded');
  }
  // The status the wrapper read after its hand-over returned: the gate starts from it.
  const after = r.after === undefined ? null : readStatusJson(r.after);
  return { stdout: r.stdout, stderr: r.stderr, status: after && !('wrong' in after) ? after : null };
}

export async function queryStatus(t: Transport, host: HostSpec, emqx: RemoteEmqx, timeoutMs: number): Promise<WrapperStatus> {
  const r = await t.exec(host.dest, emqxCommand(hostEmqx(emqx, host), host.root, ['--status', '--json']), { timeoutMs });
  if (r.exitCode !== 0) throw remoteError(host, 'emqx --status', r, 'check the node on that host');
  return parseStatus(host.dest, r.stdout);
}

/**
 * The health gate: node answers, target is current (and permanent unless asked not to), the node
 * sees the cluster peers it saw before (`cluster`, polled up to its timeout), operator check passes.
 */
export async function gateHost(
  t: Transport,
  host: HostSpec,
  emqx: RemoteEmqx,
  c: ChangeSpec,
  check: string | undefined,
  timeoutMs: number,
  cluster?: PeerGate,
  /**
   * The status the upgrade command reported right after it ended. The gate starts from it, except
   * when it checks cluster peers: a peer can drop just after the command returned, so those are
   * read afresh (as before), and a host without recorded peers costs no extra wrapper start.
   */
  first?: WrapperStatus | null,
): Promise<WrapperStatus> {
  const fresh = !first || (cluster?.before?.length ?? 0) > 0;
  let s = fresh ? await queryStatus(t, host, emqx, timeoutMs) : first;
  if (s.nodeAlive !== true) {
    const why = s.nodeAlive === false ? 'the node does not answer' : `the node could not be pinged (${s.warnings.join('; ') || 'no nodetool or cookie'})`;
    throw new RelupError('ROLLOUT_HALTED', `${host.dest}: health gate: ${why} after the ${c.downgrade ? 'downgrade' : 'upgrade'}`, {
      hint: 'inspect the node on that host; the hosts after it were not upgraded',
      details: { host: host.dest, warnings: s.warnings },
    });
  }
  const entry = s.releases.find((r) => r.version === c.target);
  const ok = c.permanent ? entry?.status === 'permanent' : entry?.status === 'current' || entry?.status === 'permanent';
  if (!ok) {
    throw new RelupError(
      'ROLLOUT_HALTED',
      `${host.dest}: health gate: ${c.target} is ${entry ? entry.status : 'not in RELEASES'}, expected ${c.permanent ? 'permanent' : 'current'} (the node runs ${runningVersion(s)})`,
      { hint: 'inspect releases/RELEASES on that host; the hosts after it were not upgraded', details: { host: host.dest, releases: s.releases } },
    );
  }
  if (cluster) s = await waitForPeers(s, cluster, () => queryStatus(t, host, emqx, timeoutMs), host);
  if (check !== undefined) {
    const r = await t.exec(host.dest, checkCommand(host.root, check), { timeoutMs });
    if (r.exitCode !== 0) {
      throw new RelupError('ROLLOUT_HALTED', `${host.dest}: health gate: --check exited ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}`, {
        hint: 'see its output; the hosts after it were not upgraded',
        details: { host: host.dest, stdout: r.stdout, stderr: r.stderr },
      });
    }
  }
  return s;
}
