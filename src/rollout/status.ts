// What a host says about itself: the wrapper's `--status --json` object,
// checked for shape, and the version facts the planner and the gate need.
import { RelupError } from '../errors.js';
import { runningRelease } from '../release/releases-file.js';
import { readStatusJson, type StatusJson } from '../node/status-json.js';

export type WrapperStatus = StatusJson;

function malformed(host: string, why: string, text: string): RelupError {
  return new RelupError('REMOTE', `${host}: the remote emqx wrapper printed an unexpected status (${why}): ${text.slice(0, 200)}`, {
    hint: 'make sure the remote wrapper matches this emqx-relup version (or drop --remote-emqx)',
  });
}

/** Parses the last non-empty stdout line as the status object. */
export function parseStatus(host: string, stdout: string): WrapperStatus {
  const line = stdout.trim().split('\n').pop() ?? '';
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    throw malformed(host, 'not JSON', stdout);
  }
  const r = readStatusJson(o);
  if ('wrong' in r) throw malformed(host, r.wrong, stdout);
  return r;
}

/** The release the node runs: release_handler's `current` (installed, not yet permanent), else `permanent`, else emqx_vars. */
export function runningVersion(s: WrapperStatus): string {
  return runningRelease(s.releases) ?? s.currentVersion;
}

/** True when the host already runs `target` the way this rollout would leave it. */
export function isAtTarget(s: WrapperStatus, target: string, permanent: boolean): boolean {
  const entry = s.releases.find((r) => r.version === target);
  if (entry) return entry.status === 'permanent' || (!permanent && entry.status === 'current');
  // No RELEASES entry (file absent): fall back to emqx_vars, which a permanent install updates.
  return s.releases.length === 0 && s.currentVersion === target;
}
