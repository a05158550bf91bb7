// The rollout: preflight every host, plan, stage, check the remote plan, then canary and
// batches with a health gate after each host. The first failure halts; the report always says
// where every host stands.
import { setTimeout as sleep } from 'node:timers/promises';
import { RelupError, isRelupError, toRelupError } from '../errors.js';
import { readLocalPackage, readShippedWrapper, toolVersion, type LocalPackage } from './artifacts.js';
import type { HostSpec } from './inventory.js';
import { DEFAULT_GATE_TIMEOUT_MS, recordedPeers } from './peers.js';
import { planRollout, type RolloutPlan } from './plan.js';
import { preflightHost, type HostFacts, type Want } from './preflight.js';
import type { Progress } from './progress.js';
import type { RemoteEmqx } from './remote.js';
import { endedInRollback, rollbackError, rollbackHost, rollbackOrder, rollbackSucceeded, type OnFailure, type RollbackResult } from './rollback.js';
import { stageHost } from './stage.js';
import type { Transport } from './ssh.js';
import { defaultStatePath, loadState, newState, stateWriter } from './state.js';
import { runningVersion } from './status.js';
import { changeHost, gateHost, planCheck, queryStatus, type ChangeSpec } from './upgrade.js';

export interface RolloutOptions {
  packagePath: string;
  hosts: HostSpec[];
  batch: number;
  stageParallel: number;
  check?: string;
  settleSec: number;
  downgrade: boolean;
  permanent: boolean;
  statePath?: string;
  dryRun: boolean;
  /** Remote wrapper: shipped (default, run with this node binary) or an installed command. */
  remote: { kind: 'shipped'; node: string; localFile?: string } | { kind: 'installed'; command: string };
  /** Bound on quick remote commands (probe, status, staging steps, --check). */
  commandTimeoutMs: number;
  /** Bound on one host's upgrade command. */
  upgradeTimeoutMs: number;
  /** How long the gate waits for the node to see its cluster peers again (default 60 s). */
  gateTimeoutMs?: number;
  /** What a failed upgrade or gate leads to (default halt). */
  onFailure?: OnFailure;
}

export type HostOutcome = 'done' | 'at-target' | 'failed' | 'untouched' | 'staged' | 'rolled-back';

export interface HostReport {
  host: string;
  root: string;
  from: string | null;
  version: string | null;
  outcome: HostOutcome;
  error?: { code: string; message: string };
  stdout?: string;
  stderr?: string;
  /** --on-failure: what taking this host back did. */
  rollback?: { to: string; outcome: RollbackResult['outcome']; how: string };
}

export interface RolloutReport {
  ok: boolean;
  dryRun: boolean;
  interrupted: boolean;
  package: string;
  sha256: string;
  target: string;
  direction: 'upgrade' | 'downgrade';
  state: string | null;
  plan: RolloutPlan | null;
  hosts: HostReport[];
  warnings: string[];
  error?: { code: string; message: string; exitCode: number };
}

export interface StopSignal {
  requested: boolean;
}

/** Runs `fn` over `items` with at most `limit` at a time; collects every outcome (never short-circuits). */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await fn(items[i]!) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function resolveRemote(o: RolloutOptions['remote']): Promise<RemoteEmqx> {
  if (o.kind === 'installed') return o;
  const w = await readShippedWrapper(o.localFile);
  return { kind: 'shipped', node: o.node, localFile: w.path, sha256: w.sha256, name: `emqx-${await toolVersion()}.cjs` };
}

export async function rollout(opts: RolloutOptions, t: Transport, progress: Progress, stop: StopSignal): Promise<RolloutReport> {
  const pkg: LocalPackage = await readLocalPackage(opts.packagePath);
  const emqx = await resolveRemote(opts.remote);
  const target = pkg.name.version;
  const statePath = opts.statePath ?? defaultStatePath(pkg.name.file, opts.downgrade);
  const ident = { package: pkg.name.file, sha256: pkg.sha256, target, downgrade: opts.downgrade };
  const loaded = await loadState(statePath, ident);
  // A run that ended in a rollback is over: the next one starts afresh, canary included.
  const prior = loaded && endedInRollback(loaded) ? null : loaded;
  const change: ChangeSpec = { packageFile: pkg.name.file, target, downgrade: opts.downgrade, permanent: opts.permanent };
  const want: Want = {
    packageFile: pkg.name.file,
    packageSha: pkg.sha256,
    packageSize: pkg.size,
    edition: pkg.name.edition,
    target,
    downgrade: opts.downgrade,
    permanent: opts.permanent,
    wrapperSha: emqx.kind === 'shipped' ? emqx.sha256 : null,
  };

  const rows = new Map<string, HostReport>(
    opts.hosts.map((h) => [h.dest, { host: h.dest, root: h.root, from: null, version: null, outcome: 'untouched' }]),
  );
  const report: RolloutReport = {
    ok: false,
    dryRun: opts.dryRun,
    interrupted: false,
    package: pkg.path,
    sha256: pkg.sha256,
    target,
    direction: opts.downgrade ? 'downgrade' : 'upgrade',
    state: opts.dryRun ? null : statePath,
    plan: null,
    hosts: [...rows.values()],
    warnings: [],
  };
  if (loaded && !prior) report.warnings.push(`the previous run of this rollout rolled back; starting afresh (${statePath} is replaced)`);
  const finish = (e?: RelupError): RolloutReport => {
    for (const r of rows.values()) if (r.outcome === 'untouched' && !r.error) progress.phase(r.host, 'untouched');
    if (e) report.error = { code: e.code, message: e.line, exitCode: e.exitCode };
    report.ok = !e && !report.interrupted;
    return report;
  };
  const failRow = (dest: string, e: RelupError, outcome: HostOutcome = 'failed') => {
    const row = rows.get(dest)!;
    row.outcome = outcome;
    row.error = { code: e.code, message: e.line };
    const d = e.details ?? {};
    if (typeof d.stdout === 'string') row.stdout = d.stdout;
    if (typeof d.stderr === 'string') row.stderr = d.stderr;
    progress.phase(dest, 'failed', e.message);
  };

  progress.event('start', { package: pkg.path, sha256: pkg.sha256, target, direction: report.direction, hosts: opts.hosts, state: report.state, resumed: prior !== null });

  // 1. Preflight every host; nothing is written anywhere until all pass.
  const facts = new Map<string, HostFacts>();
  const pre = await pool(opts.hosts, 8, async (h) => {
    progress.phase(h.dest, 'preflight');
    const f = await preflightHost(t, h, emqx, want, opts.commandTimeoutMs);
    const row = rows.get(h.dest)!;
    row.from = f.running;
    row.version = f.running;
    progress.phase(h.dest, f.atTarget ? 'at-target' : 'ready', f.running);
    return f;
  });
  const preErrors: RelupError[] = [];
  pre.forEach((r, i) => {
    const h = opts.hosts[i]!;
    if (r.status === 'fulfilled') {
      facts.set(h.dest, r.value);
      report.warnings.push(...r.value.warnings);
    } else {
      const e = toRelupError(r.reason);
      preErrors.push(e);
      failRow(h.dest, e, 'untouched');
    }
  });
  for (const w of report.warnings) progress.note(`warning: ${w}`);
  if (preErrors.length > 0) {
    const first = preErrors[0]!;
    const more = preErrors.length > 1 ? ` (and ${preErrors.length - 1} more host(s) failed preflight)` : '';
    return finish(new RelupError(first.code, `preflight failed, no host was touched: ${first.message}${more}`, { hint: first.hint ?? 'fix it and re-run' }));
  }

  // 2. Plan.
  const plan = planRollout({
    hosts: opts.hosts.map((h) => ({ dest: h.dest, running: facts.get(h.dest)!.running, atTarget: facts.get(h.dest)!.atTarget })),
    recorded: Object.fromEntries(Object.entries(prior?.hosts ?? {}).map(([k, v]) => [k, v.status])),
    batch: opts.batch,
  });
  report.plan = plan;
  for (const d of plan.skip) rows.get(d)!.outcome = 'at-target';
  progress.event('plan', { ...plan });
  const planned = plan.batches.flat().map((d) => facts.get(d)!);
  if (opts.dryRun || planned.length === 0) {
    if (opts.dryRun) for (const f of planned) progress.phase(f.host.dest, 'queued', `${f.running} -> ${target}`);
    return finish();
  }

  const state = prior ?? newState(ident);
  const store = stateWriter(statePath, state);
  for (const f of planned) {
    const rec = state.hosts[f.host.dest];
    state.hosts[f.host.dest] = { root: f.host.root, status: rec?.status === 'failed' || rec?.status === 'upgrading' ? rec.status : 'pending', from: rec?.from ?? f.running, at: new Date().toISOString() };
  }
  await store.flush();
  const gateTimeoutMs = opts.gateTimeoutMs ?? DEFAULT_GATE_TIMEOUT_MS;
  // --on-failure rollback[-all]: take the hosts back one by one; the first that cannot come back stops it.
  const rollBack = async (order: string[], at: string, first: RelupError): Promise<RelupError> => {
    const results = new Map<string, RollbackResult>();
    for (const dest of order) {
      const rec = state.hosts[dest]!;
      const from = rec.from ?? rows.get(dest)!.from!;
      progress.phase(dest, 'rolling-back', `${target} -> ${from}`);
      const r = await rollbackHost(t, opts.hosts.find((h) => h.dest === dest)!, emqx, {
        from,
        target,
        check: opts.check,
        commandTimeoutMs: opts.commandTimeoutMs,
        upgradeTimeoutMs: opts.upgradeTimeoutMs,
        cluster: { before: rec.peers ?? null, timeoutMs: gateTimeoutMs, doing: 'rollback' },
      });
      results.set(dest, r);
      const row = rows.get(dest)!;
      row.version = r.version;
      row.rollback = { to: r.to, outcome: r.outcome, how: r.how };
      if (r.outcome === 'rolled-back') row.outcome = 'rolled-back';
      const { at: _at, ...kept } = rec;
      await store.set(dest, {
        ...kept,
        status: r.outcome === 'rolled-back' ? 'rolled-back' : rec.status,
        ...(r.version ? { version: r.version } : {}),
        rollback: { to: r.to, outcome: r.outcome, how: r.how, at: new Date().toISOString() },
      });
      progress.phase(dest, r.outcome === 'rolled-back' ? 'rolled-back' : 'failed', r.how);
      if (!rollbackSucceeded([r])) break;
    }
    const done = [...rows.values()].filter((r) => r.outcome === 'done').length;
    const left = [...rows.values()].filter((r) => r.outcome === 'staged' || r.outcome === 'untouched').length;
    return rollbackError(at, first, results, done, left);
  };
  const interrupted = () => {
    report.interrupted = true;
    progress.note('stopped on request; re-run the same command to continue');
    return finish();
  };
  if (stop.requested) return interrupted();

  // 3. Stage on every planned host.
  const staged = await pool(planned, opts.stageParallel, async (f) => {
    progress.phase(f.host.dest, 'staging');
    const r = await stageHost(t, f, pkg, emqx, opts.commandTimeoutMs);
    rows.get(f.host.dest)!.outcome = 'staged';
    progress.phase(f.host.dest, 'staged', r.skipped ? 'already there' : '');
    return r;
  });
  const stageErr = staged.findIndex((r) => r.status === 'rejected');
  if (stageErr !== -1) {
    staged.forEach((r, i) => r.status === 'rejected' && failRow(planned[i]!.host.dest, toRelupError(r.reason)));
    const e = toRelupError((staged[stageErr] as PromiseRejectedResult).reason);
    return finish(new RelupError(e.code, `staging failed, no host was upgraded: ${e.message}`, { hint: e.hint ?? 'fix it and re-run' }));
  }
  // A remote --dry-run on each host: the wrapper there must agree before the first change.
  const checked = await pool(planned, opts.stageParallel, async (f) => {
    progress.phase(f.host.dest, 'plan-check');
    await planCheck(t, f.host, emqx, change, opts.commandTimeoutMs);
    progress.phase(f.host.dest, 'queued');
  });
  const checkErr = checked.findIndex((r) => r.status === 'rejected');
  if (checkErr !== -1) {
    checked.forEach((r, i) => r.status === 'rejected' && failRow(planned[i]!.host.dest, toRelupError(r.reason), 'staged'));
    const e = toRelupError((checked[checkErr] as PromiseRejectedResult).reason);
    return finish(new RelupError(e.code, `the remote plan check failed, no host was upgraded: ${e.message}`, { hint: e.hint ?? 'fix it and re-run' }));
  }

  // 4. Canary, then batches; a gate after every host; halt on the first failure.
  for (const [bi, batch] of plan.batches.entries()) {
    if (stop.requested) return interrupted();
    const results = await Promise.allSettled(
      batch.map(async (dest) => {
        const f = facts.get(dest)!;
        progress.phase(dest, 'upgrading', plan.canary && bi === 0 ? 'canary' : `batch ${bi + 1}/${plan.batches.length}`);
        await store.set(dest, { root: f.host.root, status: 'upgrading', from: f.running });
        let peers: string[] | null = null;
        try {
          // The cluster the node is in now: its gate waits until the node sees it again.
          const rec = recordedPeers(dest, await queryStatus(t, f.host, emqx, opts.commandTimeoutMs));
          peers = rec.peers;
          if (rec.warning) {
            report.warnings.push(rec.warning);
            progress.note(`warning: ${rec.warning}`);
          }
          if (peers) await store.set(dest, { root: f.host.root, status: 'upgrading', from: f.running, peers });
          await changeHost(t, f.host, emqx, change, opts.upgradeTimeoutMs);
          progress.phase(dest, 'gate');
          await gateHost(t, f.host, emqx, change, opts.check, opts.commandTimeoutMs, { before: peers, timeoutMs: gateTimeoutMs, doing: report.direction });
        } catch (err) {
          const e = toRelupError(err);
          // Best effort: say what the failed host runs now.
          const now = await queryStatus(t, f.host, emqx, opts.commandTimeoutMs).then(runningVersion, () => null);
          rows.get(dest)!.version = now;
          await store.set(dest, { root: f.host.root, status: 'failed', from: f.running, ...(now ? { version: now } : {}), ...(peers ? { peers } : {}), error: e.line });
          throw e;
        }
        const row = rows.get(dest)!;
        row.outcome = 'done';
        row.version = target;
        await store.set(dest, { root: f.host.root, status: 'done', from: f.running, version: target, ...(peers ? { peers } : {}) });
        progress.phase(dest, 'done', `${f.running} -> ${target}`);
      }),
    );
    const failed = results.map((r, i) => [r, batch[i]!] as const).filter(([r]) => r.status === 'rejected');
    if (failed.length > 0) {
      for (const [r, dest] of failed) failRow(dest, toRelupError((r as PromiseRejectedResult).reason));
      const [r0, d0] = failed[0]!;
      const e = toRelupError((r0 as PromiseRejectedResult).reason);
      const order = rollbackOrder(
        opts.onFailure ?? 'halt',
        failed.map(([, d]) => d),
        Object.entries(state.hosts).filter(([d, h]) => h.status === 'done' && rows.has(d)).map(([d, h]) => ({ dest: d, at: h.at })),
      );
      if (order.length > 0) return finish(await rollBack(order, d0, e));
      const done = [...rows.values()].filter((r) => r.outcome === 'done').length;
      const left = [...rows.values()].filter((r) => r.outcome === 'staged' || r.outcome === 'untouched').length;
      return finish(
        new RelupError('ROLLOUT_HALTED', `rollout halted at ${d0}: ${e.message}`, {
          hint: `${done} host(s) done, ${left} not upgraded; fix ${d0} and re-run the same command to resume`,
        }),
      );
    }
    if (bi < plan.batches.length - 1 && opts.settleSec > 0 && !stop.requested) {
      progress.note(`settling ${opts.settleSec}s before the next host`);
      const deadline = Date.now() + opts.settleSec * 1000;
      while (Date.now() < deadline && !stop.requested) await sleep(Math.min(200, deadline - Date.now()));
    }
  }
  return finish();
}
