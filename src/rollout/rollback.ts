// --on-failure rollback|rollback-all: instead of only halting, hot-downgrade a host whose upgrade
// or gate failed while its node still runs, back to the version it had, with the newer release's
// scripts (EIP-0022: `emqx downgrade <from>` on the host runs the installed newer escript), then
// gate it again on the old version. rollback-all also takes back the hosts already done in this
// rollout, newest first. Pure decisions first; rollbackHost is the one effect.
import { RelupError, toRelupError } from '../errors.js';
import type { HostSpec } from './host-spec.js';
import type { PeerGate } from './peers.js';
import type { RemoteEmqx } from './remote.js';
import type { Transport } from './ssh.js';
import { runningVersion, type WrapperStatus } from './status.js';
import { changeHost, gateHost, queryStatus, type ChangeSpec } from './upgrade.js';

export type OnFailure = 'halt' | 'rollback' | 'rollback-all';
export const ON_FAILURE: readonly OnFailure[] = ['halt', 'rollback', 'rollback-all'];

/** A host that passed its gate in this rollout (this run or an earlier one of the same state). */
export interface DoneHost {
  dest: string;
  /** When it passed, ISO time: the newest is taken back first. */
  at: string;
}

/**
 * Which hosts are taken back, in order: the failed ones (in batch order), then, for
 * rollback-all, those already done, newest first. halt takes back none.
 */
export function rollbackOrder(onFailure: OnFailure, failed: readonly string[], done: readonly DoneHost[]): string[] {
  if (onFailure === 'halt') return [];
  if (onFailure === 'rollback') return [...failed];
  const newestFirst = [...done].filter((d) => !failed.includes(d.dest)).sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return [...failed, ...newestFirst.map((d) => d.dest)];
}

export type RollbackStep =
  | { kind: 'downgrade'; to: string }
  /** The node still runs the old version: the upgrade never installed the target. */
  | { kind: 'not-needed'; why: string }
  /** A hot downgrade cannot help (the node is down, or runs something unexpected). */
  | { kind: 'impossible'; why: string };

/** What to do on one host, from its status now, the version it had and the rollout's target. */
export function rollbackStep(s: Pick<WrapperStatus, 'nodeAlive' | 'releases' | 'currentVersion'> | null, from: string, target: string): RollbackStep {
  if (s === null) return { kind: 'impossible', why: 'its status could not be read' };
  if (s.nodeAlive === false) return { kind: 'impossible', why: 'the node is not running, so there is nothing to hot-downgrade; start it on the version it should run' };
  if (s.nodeAlive === null) return { kind: 'impossible', why: 'whether the node runs is unknown (nodetool failed)' };
  const running = runningVersion(s as WrapperStatus);
  if (running === from) return { kind: 'not-needed', why: `the node still runs ${from}` };
  if (running === target) return { kind: 'downgrade', to: from };
  return { kind: 'impossible', why: `the node runs ${running}, neither ${from} nor ${target}` };
}

export type RollbackOutcome = 'rolled-back' | 'not-needed' | 'failed' | 'impossible';

export interface RollbackResult {
  to: string;
  outcome: RollbackOutcome;
  /** One line for the report: what was done and how it ended. */
  how: string;
  /** The version the host runs after the attempt, when known. */
  version: string | null;
  error?: { code: string; message: string };
}

/** True when every host the rollout tried to take back is back (or never left). */
export function rollbackSucceeded(results: readonly RollbackResult[]): boolean {
  return results.every((r) => r.outcome === 'rolled-back' || r.outcome === 'not-needed');
}

/** The rollout's final error after a failure with rollbacks (pure: from the first failure and the results). */
export function rollbackError(at: string, first: RelupError, results: ReadonlyMap<string, RollbackResult>, done: number, left: number): RelupError {
  const back = [...results].filter(([, r]) => r.outcome === 'rolled-back').map(([d, r]) => `${d} to ${r.to}`);
  const bad = [...results].filter(([, r]) => r.outcome === 'failed' || r.outcome === 'impossible');
  const backText = back.length > 0 ? `rolled back ${back.join(', ')}` : 'no host needed a rollback';
  if (bad.length === 0) {
    return new RelupError('ROLLED_BACK', `rollout stopped at ${at} and ${backText}: ${first.message}`, {
      hint: `${done} host(s) stay upgraded, ${left} not upgraded; fix the cause, then re-run the same command: it starts afresh with a new canary`,
    });
  }
  const [d0, r0] = bad[0]!;
  return new RelupError('ROLLBACK_FAILED', `rollout stopped at ${at} (${first.message}) and the rollback of ${d0} failed: ${r0.how}`, {
    hint: `${back.length > 0 ? `${backText}; ` : ''}inspect ${bad.map(([d]) => d).join(', ')} by hand before anything else`,
  });
}

export interface RollbackSpec {
  /** The version the host ran before this rollout. */
  from: string;
  /** The rollout's target. */
  target: string;
  check: string | undefined;
  commandTimeoutMs: number;
  upgradeTimeoutMs: number;
  /** How long to keep following the downgrade again after its connection dropped. */
  reconnectMs?: number;
  /** The cluster part of the gate on the old version (the peers recorded before the upgrade). */
  cluster?: PeerGate;
}

/** Reads the host, hot-downgrades it when that is what it needs, and gates it on the old version. Never throws. */
export async function rollbackHost(t: Transport, host: HostSpec, emqx: RemoteEmqx, spec: RollbackSpec): Promise<RollbackResult> {
  const { from, target } = spec;
  const status = await queryStatus(t, host, emqx, spec.commandTimeoutMs).catch(() => null);
  const step = rollbackStep(status, from, target);
  const now = status && status.nodeAlive !== false ? runningVersion(status) : null;
  if (step.kind === 'not-needed') return { to: from, outcome: 'not-needed', how: `not needed: ${step.why}`, version: from };
  if (step.kind === 'impossible') return { to: from, outcome: 'impossible', how: `not possible: ${step.why}`, version: now };
  const change: ChangeSpec = { packageFile: '', target: from, downgrade: true, permanent: true };
  const how = `emqx downgrade ${from} (with the ${target} scripts)`;
  let after: WrapperStatus | null;
  try {
    after = (await changeHost(t, host, emqx, change, spec.upgradeTimeoutMs, spec.reconnectMs)).status;
  } catch (err) {
    const e = toRelupError(err);
    const after = await queryStatus(t, host, emqx, spec.commandTimeoutMs).then(runningVersion, () => null);
    return { to: from, outcome: 'failed', how: `${how} failed: ${e.message}`, version: after, error: { code: e.code, message: e.line } };
  }
  try {
    await gateHost(t, host, emqx, change, spec.check, spec.commandTimeoutMs, spec.cluster ? { ...spec.cluster, doing: 'rollback' } : undefined, after);
  } catch (err) {
    const e = toRelupError(err);
    return { to: from, outcome: 'failed', how: `${how} ran, but the gate on ${from} failed: ${e.message}`, version: from, error: { code: e.code, message: e.line } };
  }
  return { to: from, outcome: 'rolled-back', how: `${how}, gate passed on ${from}`, version: from };
}

/** A state whose run ended in a rollback is not resumed: the next run starts afresh (preflight, canary). */
export function endedInRollback(s: { hosts: Record<string, { status: string; rollback?: unknown }> }): boolean {
  return Object.values(s.hosts).some((h) => h.rollback !== undefined || h.status === 'rolled-back');
}

/** Taking a host back is a hot downgrade with the newer scripts: only an upgrade rollout can do it. */
export function onFailureProblem(onFailure: OnFailure, downgrade: boolean): string | null {
  if (onFailure !== 'halt' && downgrade) {
    return `--on-failure ${onFailure} takes hosts back with a hot downgrade, which a --downgrade rollout cannot do (going back up needs the newer package)`;
  }
  return null;
}
