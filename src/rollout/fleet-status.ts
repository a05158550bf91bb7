// `emqx-relup status`: every host's own `emqx --status --json`, read over the same transport and
// with the same query as the rollout's preflight (the shipped wrapper piped to `node -`), so a
// host is never written to. One host that cannot be read does not hide the others.
import { RelupError, toRelupError } from '../errors.js';
import type { HostSpec } from './host-spec.js';
import { pool } from './pool.js';
import { remoteError, unreachable } from './preflight.js';
import { hostEmqx, statusCommand, type RemoteEmqx } from './remote.js';
import { SSH_FAILURE, type Transport } from './ssh.js';
import { parseStatus, runningVersion, type WrapperStatus } from './status.js';

export interface HostStatus {
  host: string;
  root: string;
  /** The release the node runs (see runningVersion); null when the host could not be read. */
  running: string | null;
  status: WrapperStatus | null;
  error?: { code: string; message: string; exitCode: number };
}

export interface FleetStatus {
  /** True when every host answered. */
  ok: boolean;
  hosts: HostStatus[];
}

/** A shell's "command not found": the host has no `node` for the shipped wrapper. */
const NOT_FOUND_STATUS = 127;

export async function readHostStatus(t: Transport, host: HostSpec, shipped: RemoteEmqx, timeoutMs: number): Promise<WrapperStatus> {
  if (host.runtimeError) throw host.runtimeError;
  const emqx = hostEmqx(shipped, host);
  const sc = statusCommand(emqx, host.root, false);
  const r = await t.exec(host.dest, sc.command, { timeoutMs, ...(sc.inputFile ? { inputFile: sc.inputFile } : {}) });
  if (r.exitCode === SSH_FAILURE || r.timedOut) throw unreachable(host, r);
  if (r.exitCode === NOT_FOUND_STATUS && emqx.kind === 'shipped') {
    throw new RelupError('NOT_FOUND', `${host.dest}: ${emqx.node} (Node.js) is not found on the host`, {
      hint: 'install Node.js >= 20 there, pass --remote-node PATH, or --remote-emqx CMD',
      details: { host: host.dest, stderr: r.stderr },
    });
  }
  if (r.exitCode !== 0) throw remoteError(host, 'emqx --status', r, 'check the root and the installation on that host');
  return parseStatus(host.dest, r.stdout);
}

export async function fleetStatus(t: Transport, hosts: HostSpec[], emqx: RemoteEmqx, o: { timeoutMs: number; parallel: number }): Promise<FleetStatus> {
  const settled = await pool(hosts, o.parallel, (h) => readHostStatus(t, h, emqx, o.timeoutMs));
  const rows = settled.map((r, i): HostStatus => {
    const h = hosts[i]!;
    if (r.status === 'fulfilled') return { host: h.dest, root: h.root, running: runningVersion(r.value), status: r.value };
    const e = toRelupError(r.reason);
    return { host: h.dest, root: h.root, running: null, status: null, error: { code: e.code, message: e.line, exitCode: e.exitCode } };
  });
  return { ok: rows.every((r) => !r.error), hosts: rows };
}

/** The error the command ends with when some host could not be read: the first one's code. */
export function fleetError(f: FleetStatus): RelupError | null {
  const bad = f.hosts.filter((h) => h.error);
  if (bad.length === 0) return null;
  const first = bad[0]!.error!;
  return new RelupError(first.code as RelupError['code'], `${bad.length} of ${f.hosts.length} host(s) could not be read; first: ${first.message}`);
}

/** How many Erlang nodes the node sees: a member that sees fewer than its neighbours has lost some. */
function peersWord(s: WrapperStatus): string {
  return s.peers !== null ? String(s.peers.length) : s.nodeAlive === true ? '?' : '-';
}

function nodeWord(s: WrapperStatus): string {
  return s.nodeAlive === true ? 'up' : s.nodeAlive === false ? 'DOWN' : 'unknown';
}

/** The table people read: one line per host (an error in place of the columns it could not fill), then warnings. */
export function formatFleetStatus(f: FleetStatus): string {
  const head = ['HOST', 'VERSION', 'NODE', 'PEERS', 'LOCK', 'RELEASES', 'STAGED'];
  const rows = f.hosts.map((h) => {
    const s = h.status;
    if (!s) return [h.host, '?', '?', '?', '?', `error: ${h.error?.message ?? 'unknown'}`];
    return [
      h.host,
      h.running ?? '?',
      nodeWord(s),
      peersWord(s),
      s.lockHolder === null ? 'free' : `pid ${s.lockHolder}`,
      s.releases.map((r) => `${r.version} ${r.status}`).join(', ') || 'none',
      s.packages.join(', ') || '-',
    ];
  });
  // Every column but the last is padded; an error line's message is its last column.
  const widths = head.map((_, c) => Math.max(head[c]!.length, ...rows.filter((r) => c < r.length - 1).map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((x, c) => (c < cells.length - 1 ? x.padEnd(widths[c]!) : x)).join('  ').trimEnd();
  const out = [line(head), ...rows.map(line)];
  for (const h of f.hosts) for (const w of h.status?.warnings ?? []) out.push(`warning: ${h.host}: ${w}`);
  return out.join('\n') + '\n';
}
