// One place that turns a fan-out over hosts (pool or Promise.allSettled) into what the rollout
// acts on: each failed host with its typed error, in host order, and the first of them.
import { toRelupError, type RelupError } from '../errors.js';

export interface Settled<R> {
  /** Results of the hosts that succeeded, by host. */
  ok: Map<string, R>;
  /** The hosts that failed, in the order given, each with its error as the operator sees it. */
  failed: { dest: string; error: RelupError }[];
  /** The first failure, when there is one. */
  first: { dest: string; error: RelupError } | null;
}

export function settle<R>(dests: readonly string[], results: readonly PromiseSettledResult<R>[]): Settled<R> {
  const ok = new Map<string, R>();
  const failed: Settled<R>['failed'] = [];
  results.forEach((r, i) => {
    const dest = dests[i]!;
    if (r.status === 'fulfilled') ok.set(dest, r.value);
    else failed.push({ dest, error: toRelupError(r.reason) });
  });
  return { ok, failed, first: failed[0] ?? null };
}
