// The pure rollout planner: from what every host reported in preflight and what an earlier run
// recorded, decide which hosts to upgrade and in which order. No I/O here.

/** `unknown`: its upgrade's end could not be read after a lost connection (HOST_UNKNOWN). */
export type HostRecordStatus = 'pending' | 'staged' | 'upgrading' | 'done' | 'failed' | 'rolled-back' | 'unknown';

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
const UNGATED: ReadonlySet<HostRecordStatus | undefined> = new Set(['failed', 'upgrading', 'unknown']);

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

/** `--batch N` or `--batch P%`, as the operator wrote it. */
export type BatchSpec = { kind: 'count'; n: number } | { kind: 'percent'; p: number };

/** Parses `--batch`: a positive integer, or a percentage in 1..100 (`25%`). Null when it is neither. */
export function parseBatch(text: string): BatchSpec | null {
  const s = text.trim();
  const pct = /^(\d{1,3})%$/.exec(s);
  if (pct) {
    const p = Number(pct[1]);
    return p >= 1 && p <= 100 ? { kind: 'percent', p } : null;
  }
  return /^[1-9]\d{0,8}$/.test(s) ? { kind: 'count', n: Number(s) } : null;
}

/**
 * Hosts per batch. A percentage is of every host in the rollout (after --limit), rounded down
 * and at least 1, as Ansible's `serial` does; counting all hosts rather than the ones still to do
 * keeps batches the same size when a halted rollout is resumed.
 */
export function batchSize(spec: BatchSpec, hostCount: number): number {
  if (spec.kind === 'count') return spec.n;
  return Math.max(1, Math.floor((hostCount * spec.p) / 100));
}

/**
 * `--limit a,b`: the inventory's hosts named in the list, in inventory order. A name the inventory
 * does not have is an error, never silently nothing. Returns the unknown names for the message.
 */
export function limitHosts<H extends { dest: string }>(hosts: H[], names: string[]): { hosts: H[]; unknown: string[] } {
  const wanted = new Set(names);
  const known = new Set(hosts.map((h) => h.dest));
  return { hosts: hosts.filter((h) => wanted.has(h.dest)), unknown: names.filter((n) => !known.has(n)) };
}

/**
 * `--pause-after-canary`: 'before' = stop before any host is changed (the canary passed in an
 * earlier run and no --continue was given), 'after-canary' = stop once the canary batch passed
 * its gate, 'no' = go on.
 */
export function pausePoint(o: { pauseAfterCanary: boolean; continued: boolean; plan: RolloutPlan }): 'no' | 'before' | 'after-canary' {
  if (!o.pauseAfterCanary || o.continued || o.plan.batches.length === 0) return 'no';
  if (o.plan.canary) return o.plan.batches.length > 1 ? 'after-canary' : 'no';
  return 'before';
}

/** Ask before touching more than one host, only when a person can answer (stdin is a terminal). */
export function needsConfirmation(o: { stdinIsTTY: boolean; yes: boolean; dryRun: boolean; hostsToTouch: number }): boolean {
  return o.stdinIsTTY && !o.yes && !o.dryRun && o.hostsToTouch > 1;
}

/** The confirmation question: what is about to happen, to how many hosts, in which order. */
export function confirmQuestion(plan: RolloutPlan, direction: 'upgrade' | 'downgrade', target: string): string {
  const n = plan.batches.flat().length;
  const rest = plan.canary ? plan.batches.slice(1) : plan.batches;
  const most = Math.max(0, ...rest.map((b) => b.length));
  const order = [
    ...(plan.canary ? [`canary ${plan.batches[0]![0]}`] : []),
    ...(rest.length ? [`${rest.length} batch(es) of up to ${most}`] : []),
  ].join(', then ');
  return `${direction} ${n} host(s) to ${target} (${order})? [y/N] `;
}
