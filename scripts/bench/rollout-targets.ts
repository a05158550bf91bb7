// The rollout benchmark's targets for the fleet sizes measured, and the staging span
// read from a `rollout --json` run. Pure.
import type { Target } from './stats.js';

/** Fleet sizes of a full run and of a quick one. */
export function fleetSizes(quick: boolean): number[] {
  return quick ? [1, 8] : [1, 8, 32];
}

/** --stage-parallel values whose staging time is compared with sequential staging (1). */
export const STAGE_PARALLEL = [1, 4, 8] as const;

/** The fleet size the limits are set for; a quick run shows its largest size as info. */
export const TARGET_HOSTS = 32;

export const rolloutId = (n: number): string => `rollout:${n}`;
export const floorId = (n: number): string => `floor:${n}`;
export const ansibleId = (n: number): string => `ansible:${n}`;
export const preflightId = (n: number): string => `preflight:${n}`;
export const stageId = (parallel: number): string => `stage:p${parallel}`;
export const RSS_ID = 'rss:rollout';

/** Targets at the largest size measured (limits apply when that is TARGET_HOSTS), info at the others. */
export function rolloutTargets(sizes: readonly number[]): { targets: Target[]; info: Target[] } {
  const max = Math.max(...sizes);
  const limit = (x: number): number | null => (max === TARGET_HOSTS ? x : null);
  const vsFloor = (n: number, max: number | null): Target => ({
    kind: 'ratio',
    id: `rollout-vs-floor-${n}`,
    label: `rollout --batch 1, ${n} host(s) / ssh+scp loop`,
    project: rolloutId(n),
    reference: floorId(n),
    max,
  });
  const vsAnsible = (n: number, max: number | null): Target => ({
    kind: 'ratio',
    id: `rollout-vs-ansible-${n}`,
    label: `rollout --batch 1, ${n} host(s) / ansible-playbook serial: 1`,
    project: rolloutId(n),
    reference: ansibleId(n),
    max,
  });
  const targets: Target[] = [
    vsFloor(max, limit(1.3)),
    vsAnsible(max, limit(0.5)),
    { kind: 'ratio', id: 'preflight-spread', label: `preflight (--dry-run), ${max} hosts / 1 host`, project: preflightId(max), reference: preflightId(1), max: limit(3) },
    { kind: 'limit', id: 'rss-rollout', label: `peak RSS of the rollout, ${max} hosts`, project: RSS_ID, max: 150, unit: 'MB' },
  ];
  const info: Target[] = sizes.filter((n) => n !== max).flatMap((n) => [vsFloor(n, null), vsAnsible(n, null)]);
  for (const p of STAGE_PARALLEL.filter((p) => p !== 1)) {
    info.push({ kind: 'ratio', id: `stage-p${p}`, label: `staging ${max} hosts, --stage-parallel ${p} / 1`, project: stageId(p), reference: stageId(1), max: null });
  }
  return { targets, info };
}

export interface PhaseEvent {
  event: string;
  host?: string;
  phase?: string;
  time?: string;
}

/**
 * Staging time of a `rollout --json` run: from the first host entering `staging` to the last
 * `staged`, and how many hosts were staged. Null when the run staged nothing.
 */
export function stagingSpan(events: readonly PhaseEvent[]): { ms: number; hosts: number } | null {
  const at = (phase: string) => events.filter((e) => e.event === 'phase' && e.phase === phase && e.time !== undefined).map((e) => Date.parse(e.time as string));
  const starts = at('staging');
  const ends = at('staged');
  if (starts.length === 0 || ends.length === 0) return null;
  return { ms: Math.max(...ends) - Math.min(...starts), hosts: ends.length };
}

/** The JSON lines of a --json run's stdout (other lines ignored). */
export function jsonLines(stdout: string): PhaseEvent[] {
  const out: PhaseEvent[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as PhaseEvent);
    } catch {
      /* a partial line: not an event */
    }
  }
  return out;
}
