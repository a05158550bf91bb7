// The pure rollout planner: from what every host reported in preflight and what an earlier run
// recorded, decide which hosts to upgrade and in which order. No I/O here.

export type HostRecordStatus = 'pending' | 'staged' | 'upgrading' | 'done' | 'failed';

export interface PlanInput {
  /** Hosts in inventory order. */
  hosts: { dest: string; running: string; atTarget: boolean }[];
  /** Host statuses recorded by an earlier run of the same rollout (resume). */
  recorded: Record<string, HostRecordStatus | undefined>;
  batch: number;
}

export interface RolloutPlan {
  /** Hosts already at the target: never touched. */
  skip: string[];
  /**
   * Hosts at the target whose gate failed (or whose upgrade never reported back) in the earlier
   * run: gated again, before anything else, and done only when that gate passes.
   */
  regate: string[];
  /** Upgrade order: each inner array is one batch; the first is the canary when one is due. */
  batches: string[][];
  /** True when batches[0] is a lone canary host. */
  canary: boolean;
}

/** Recorded statuses that leave a host at the target unproven: its gate has yet to pass. */
const UNGATED: ReadonlySet<HostRecordStatus | undefined> = new Set(['failed', 'upgrading']);

export function planRollout(input: PlanInput): RolloutPlan {
  if (!Number.isInteger(input.batch) || input.batch < 1) throw new RangeError(`batch must be a positive integer, got ${input.batch}`);
  const regate = input.hosts.filter((h) => h.atTarget && UNGATED.has(input.recorded[h.dest])).map((h) => h.dest);
  const skip = input.hosts.filter((h) => h.atTarget && !regate.includes(h.dest)).map((h) => h.dest);
  const todo = input.hosts.filter((h) => !h.atTarget).map((h) => h.dest);
  // A canary is due until one host of this rollout has passed its gate; a resumed run that
  // already proved the package on a host goes straight to batches. Hosts to re-gate take the
  // canary's place: they run the new version already, go first, and halt the run if they fail.
  const proven = Object.values(input.recorded).some((s) => s === 'done');
  const canary = !proven && regate.length === 0 && todo.length > 0;
  const rest = canary ? todo.slice(1) : todo;
  const batches: string[][] = canary ? [[todo[0]!]] : [];
  for (let i = 0; i < rest.length; i += input.batch) batches.push(rest.slice(i, i + input.batch));
  return { skip, regate, batches, canary };
}
