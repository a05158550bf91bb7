// The rollout's pure decisions about a halt: which exit code a host's failure gives the whole
// rollout, and how many hosts are done and not. No I/O; table-tested in test/rollout/decisions.test.ts.
import { RelupError, type ErrorCode } from '../errors.js';

/**
 * A host's own error codes that name the cause and so become the rollout's exit code when it
 * halts there: unreachable 69, locked 75, cannot write 73, unknown 74, ... Anything else (the
 * upgrade's script failed, the gate failed, an unusable answer) is a halted rollout, 70.
 */
const CARRIED: ReadonlySet<ErrorCode> = new Set([
  'UNREACHABLE',
  'NODE_DOWN',
  'LOCKED',
  'CANNOT_WRITE',
  'HOST_UNKNOWN',
  'PERMISSION',
  'CHECKSUM_MISMATCH',
  'NOT_FOUND',
  'NO_UPGRADE_PATH',
  'EDITION_MISMATCH',
  'CONFIG',
]);

export function haltCode(hostCode: ErrorCode): ErrorCode {
  return CARRIED.has(hostCode) ? hostCode : 'ROLLOUT_HALTED';
}

export interface RowCount {
  host: string;
  outcome: string;
}

/**
 * Done (passed its gate, or at the target already) and left (every other host except `at`, the
 * one the error names, unless `atUnchanged`: its change never reached it): a failed or unknown
 * host besides `at` is counted as left and named.
 */
export function haltCounts(rows: readonly RowCount[], at: string, atUnchanged = false): { done: number; left: number; others: string[] } {
  const done = rows.filter((r) => r.outcome === 'done' || r.outcome === 'at-target').length;
  const rest = rows.filter((r) => (r.host !== at || atUnchanged) && r.outcome !== 'done' && r.outcome !== 'at-target' && r.outcome !== 'rolled-back');
  const others = rest.filter((r) => r.host !== at && (r.outcome === 'failed' || r.outcome === 'unknown')).map((r) => `${r.host} ${r.outcome}`);
  return { done, left: rest.length, others };
}

/** The error that ends a rollout halted at host `at` by its error `e` (message without "at: "). */
export function haltError(at: string, e: RelupError, why: string, rows: readonly RowCount[], atUnchanged = false): RelupError {
  const { done, left, others } = haltCounts(rows, at, atUnchanged);
  const also = others.length > 0 ? ` (${others.join(', ')})` : '';
  const next = e.code === 'HOST_UNKNOWN' ? `${at} is unknown: re-run the same command once it is reachable` : `fix ${at} and re-run the same command to resume`;
  return new RelupError(haltCode(e.code), `rollout halted at ${at}: ${why}`, {
    hint: `${done} host(s) done, ${left} not upgraded${also}; ${next}`,
  });
}

/** A host's node name and peers as read ahead, before the hosts in front of it were gated. */
export interface AheadPeers {
  name: string;
  peers: string[] | null;
}

/** A host gated since that read: its node name and the peers it saw before its upgrade. */
export interface GatedSince {
  name: string;
  before: string[] | null;
}

/**
 * Whether peers read ahead (while the hosts in front were being upgraded and gated) still stand
 * for the next host's gate. They do unless they are unknown or the cluster changed under them: a
 * host gated since was connected to this one before its upgrade but is missing from what was read
 * (it was read while that host reconnected). Otherwise they are read again.
 */
export function aheadStillValid(ahead: AheadPeers, gated: readonly GatedSince[]): boolean {
  if (ahead.peers === null || ahead.name === '') return false;
  return gated.every((g) => !(g.before ?? []).includes(ahead.name) || ahead.peers!.includes(g.name));
}
