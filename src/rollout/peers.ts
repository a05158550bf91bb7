// The cluster part of the health gate. A node can answer pings, run the target permanently and
// pass the operator's check while it has fallen out of its cluster; so the Erlang nodes a host's
// node sees (`nodes()`, reported by the wrapper's `--status --json` as `peers`) are recorded just
// before its upgrade, and after it the gate waits until the node sees at least those again.
// Pure decisions first; the one effect polls the status through the transport.
import { setTimeout as sleep } from 'node:timers/promises';
import { RelupError } from '../errors.js';
import type { HostSpec } from './host-spec.js';
import type { WrapperStatus } from './status.js';

export const DEFAULT_GATE_TIMEOUT_MS = 60_000;
export const PEER_POLL_MS = 1000;

/** Peers seen before that the node does not see now (sorted). */
export function missingPeers(before: readonly string[], now: readonly string[]): string[] {
  const seen = new Set(now);
  return [...new Set(before)].filter((p) => !seen.has(p)).sort();
}

export type PeerVerdict =
  /** Nothing was recorded before the upgrade: there is nothing to compare with. */
  | { kind: 'skip' }
  | { kind: 'ok' }
  | { kind: 'wait'; missing: string[] | null }
  /** missing null: the peers could not be read at all until the deadline. */
  | { kind: 'fail'; missing: string[] | null };

/** One look at the peers: `now` null when the status had none; `timeLeftMs` <= 0 once the gate's time is up. */
export function judgePeers(before: readonly string[] | null, now: readonly string[] | null, timeLeftMs: number): PeerVerdict {
  if (before === null) return { kind: 'skip' };
  const missing = now === null ? null : missingPeers(before, now);
  if (missing !== null && missing.length === 0) return { kind: 'ok' };
  return timeLeftMs > 0 ? { kind: 'wait', missing } : { kind: 'fail', missing };
}

/** What recording before the upgrade gives: the peers, or why the cluster check is skipped for this host. */
export function recordedPeers(dest: string, s: WrapperStatus): { peers: string[] | null; warning?: string } {
  if (s.peers !== null) return { peers: s.peers };
  const why = s.nodeAlive !== true ? 'the node did not answer' : 'the remote wrapper reported no peers (see its warnings)';
  return { peers: null, warning: `${dest}: cluster peers not recorded before the upgrade (${why}); its gate does not check the cluster` };
}

export function peersGateError(host: HostSpec, missing: string[] | null, waitedMs: number, doing: string): RelupError {
  const secs = Math.round(waitedMs / 1000);
  const what =
    missing === null
      ? `the node's cluster peers could not be read for ${secs} s after the ${doing}`
      : `after ${secs} s the node still does not see ${missing.join(', ')} (connected before the ${doing})`;
  return new RelupError('ROLLOUT_HALTED', `${host.dest}: health gate: ${what}`, {
    hint: 'check the distribution between those nodes (epmd, firewall, cookie) or raise --gate-timeout; the hosts after it were not upgraded',
    details: { host: host.dest, missingPeers: missing },
  });
}

export interface PeerGate {
  /** Peers recorded before the change; null skips the check. */
  before: string[] | null;
  timeoutMs: number;
  pollMs?: number;
  /** 'upgrade', 'downgrade' or 'rollback', for the message. */
  doing: string;
}

/**
 * Waits until the node sees every recorded peer, reading the status again every poll; `first`
 * is the status the gate just read. Throws ROLLOUT_HALTED naming the missing peers.
 */
export async function waitForPeers(
  first: WrapperStatus,
  gate: PeerGate,
  read: () => Promise<WrapperStatus>,
  host: HostSpec,
  clock: { now(): number; sleep(ms: number): Promise<unknown> } = { now: Date.now, sleep },
): Promise<WrapperStatus> {
  const start = clock.now();
  let s = first;
  for (;;) {
    const v = judgePeers(gate.before, s.peers, start + gate.timeoutMs - clock.now());
    if (v.kind === 'skip' || v.kind === 'ok') return s;
    if (v.kind === 'fail') throw peersGateError(host, v.missing, clock.now() - start, gate.doing);
    await clock.sleep(gate.pollMs ?? PEER_POLL_MS);
    s = await read();
  }
}
