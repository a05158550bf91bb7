// The pure rollout planner: from what every host reported in preflight and what an earlier run
// recorded, decide which hosts to upgrade and in which order. No I/O here.

export type HostRecordStatus = 'pending' | 'staged' | 'upgrading' | 'done' | 'failed' | 'rolled-back';

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
  /** Upgrade order: each inner array is one batch; the first is the canary when one is due. */
  batches: string[][];
  /** True when batches[0] is a lone canary host. */
  canary: boolean;
}

export function planRollout(input: PlanInput): RolloutPlan {
  if (!Number.isInteger(input.batch) || input.batch < 1) throw new RangeError(`batch must be a positive integer, got ${input.batch}`);
  const skip = input.hosts.filter((h) => h.atTarget).map((h) => h.dest);
  const todo = input.hosts.filter((h) => !h.atTarget).map((h) => h.dest);
  // A canary is due until one host of this rollout has passed its gate; a resumed run that
  // already proved the package on a host goes straight to batches.
  const proven = Object.values(input.recorded).some((s) => s === 'done');
  const canary = !proven && todo.length > 0;
  const rest = canary ? todo.slice(1) : todo;
  const batches: string[][] = canary ? [[todo[0]!]] : [];
  for (let i = 0; i < rest.length; i += input.batch) batches.push(rest.slice(i, i + input.batch));
  return { skip, batches, canary };
}
