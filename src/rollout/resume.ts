// Whether a state file left by an earlier run is resumed, replaced or refused, judged against
// what preflight sees now. A resume skips the canary once a host passed its gate, so a state
// that no longer describes these hosts must never be resumed silently. Pure: no I/O here.
import { RelupError } from '../errors.js';
import type { HostRecordStatus } from './plan.js';
import type { RolloutState } from './state.js';

export interface SeenHost {
  dest: string;
  root: string;
  running: string;
  atTarget: boolean;
}

export type ResumeDecision =
  /** No state file: a new rollout. */
  | { kind: 'new' }
  /** The state file records a finished rollout: this run is a new one and replaces it. */
  | { kind: 'replace'; startedAt: string }
  /** The state file records an unfinished rollout of these hosts: continue it. */
  | { kind: 'resume'; startedAt: string; recorded: Record<string, HostRecordStatus> };

/** Why `prior` does not describe the hosts as preflight saw them (empty: it does). */
export function stateMismatches(prior: RolloutState, hosts: SeenHost[]): string[] {
  const seen = new Map(hosts.map((h) => [h.dest, h]));
  const out: string[] = [];
  for (const [dest, rec] of Object.entries(prior.hosts)) {
    const h = seen.get(dest);
    if (!h) out.push(`it records ${dest}, which is not in this run's hosts`);
    else if (rec.root !== h.root) out.push(`it records ${dest} at ${rec.root}, this run has ${h.root}`);
    // A done host that went back would otherwise let the rollout skip its canary.
    else if (rec.status === 'done' && !h.atTarget) out.push(`it records ${dest} done, but ${dest} runs ${h.running}`);
  }
  // Every host a run plans is recorded before staging, so a host still to do that the state
  // does not know was added to the inventory or went back since.
  for (const h of hosts) if (!h.atTarget && !(h.dest in prior.hosts)) out.push(`${h.dest} (runs ${h.running}) is not in it`);
  return out;
}

export function decideResume(statePath: string, prior: RolloutState | null, hosts: SeenHost[]): ResumeDecision {
  if (prior === null) return { kind: 'new' };
  const records = Object.values(prior.hosts);
  if (records.every((r) => r.status === 'done')) return { kind: 'replace', startedAt: prior.startedAt };
  const why = stateMismatches(prior, hosts);
  if (why.length > 0) {
    throw new RelupError('CONFIG', `state file ${statePath} does not match the hosts: ${why.join('; ')}`, {
      hint: 'remove it (or pass --state NEW_FILE) to start a new rollout, canary first; nothing was changed',
      details: { state: statePath, mismatches: why },
    });
  }
  return {
    kind: 'resume',
    startedAt: prior.startedAt,
    recorded: Object.fromEntries(Object.entries(prior.hosts).map(([d, r]) => [d, r.status])),
  };
}

/** One line for people: what the run does with the state file. */
export function describeResume(d: ResumeDecision, statePath: string): string {
  switch (d.kind) {
    case 'new':
      return `new rollout (state ${statePath})`;
    case 'replace':
      return `new rollout: ${statePath} records a finished rollout (started ${d.startedAt}), which this one replaces`;
    case 'resume': {
      const hosts = Object.entries(d.recorded).map(([h, s]) => `${h} ${s}`);
      return `resuming the rollout started ${d.startedAt} (state ${statePath}): ${hosts.join(', ')}`;
    }
  }
}
