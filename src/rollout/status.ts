// What a host says about itself: the wrapper's `--status --json` object,
// checked for shape, and the version facts the planner and the gate need.
import { RelupError } from '../errors.js';
import type { Edition } from '../version/index.js';

export interface ReleaseEntry {
  version: string;
  status: string;
}

export interface WrapperStatus {
  root: string;
  relName: string;
  edition: Edition;
  currentVersion: string;
  nodeAlive: boolean | null;
  lockHolder: number | null;
  releases: ReleaseEntry[];
  packages: string[];
  warnings: string[];
}

function malformed(host: string, why: string, text: string): RelupError {
  return new RelupError('INTERNAL', `${host}: the remote emqx wrapper printed an unexpected status (${why}): ${text.slice(0, 200)}`, {
    hint: 'make sure the remote wrapper matches this emqx-relup version (or drop --remote-emqx)',
  });
}

/** Parses the last non-empty stdout line as the status object. */
export function parseStatus(host: string, stdout: string): WrapperStatus {
  const line = stdout.trim().split('\n').pop() ?? '';
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw malformed(host, 'not JSON', stdout);
  }
  if (typeof o !== 'object' || o === null) throw malformed(host, 'not an object', stdout);
  const { edition, currentVersion, nodeAlive, lockHolder, releases } = o;
  if (edition !== 'community' && edition !== 'enterprise') throw malformed(host, 'edition', stdout);
  if (typeof currentVersion !== 'string') throw malformed(host, 'currentVersion', stdout);
  if (!(nodeAlive === true || nodeAlive === false || nodeAlive === null)) throw malformed(host, 'nodeAlive', stdout);
  if (!(lockHolder === null || typeof lockHolder === 'number')) throw malformed(host, 'lockHolder', stdout);
  const rels: ReleaseEntry[] = [];
  for (const r of Array.isArray(releases) ? releases : []) {
    const e = r as Record<string, unknown>;
    if (typeof e?.version === 'string' && typeof e.status === 'string') rels.push({ version: e.version, status: e.status });
  }
  return {
    root: typeof o.root === 'string' ? o.root : '',
    relName: typeof o.relName === 'string' ? o.relName : '',
    edition,
    currentVersion,
    nodeAlive,
    lockHolder,
    releases: rels,
    packages: Array.isArray(o.packages) ? o.packages.filter((p): p is string => typeof p === 'string') : [],
    warnings: Array.isArray(o.warnings) ? o.warnings.filter((p): p is string => typeof p === 'string') : [],
  };
}

/** The release the node runs: release_handler's `current` (installed, not yet permanent), else `permanent`, else emqx_vars. */
export function runningVersion(s: WrapperStatus): string {
  return (
    s.releases.find((r) => r.status === 'current')?.version ??
    s.releases.find((r) => r.status === 'permanent')?.version ??
    s.currentVersion
  );
}

/** True when the host already runs `target` the way this rollout would leave it. */
export function isAtTarget(s: WrapperStatus, target: string, permanent: boolean): boolean {
  const entry = s.releases.find((r) => r.version === target);
  if (entry) return entry.status === 'permanent' || (!permanent && entry.status === 'current');
  // No RELEASES entry (file absent): fall back to emqx_vars, which a permanent install updates.
  return s.releases.length === 0 && s.currentVersion === target;
}
