// The rollout: preflight every host, plan, stage, check the remote plan, then canary and
// batches with a health gate after each host. The first failure halts; the report always says
// where every host stands.
import { setTimeout as sleep } from 'node:timers/promises';
import { RelupError, toRelupError } from '../errors.js';
import { readLocalPackage, readShippedWrapper, type LocalPackage } from './artifacts.js';
import { toolVersion } from '../tool-version.js';
import { NOTHING, readPackage } from '../package/read.js';
import type { HostSpec } from './host-spec.js';
import { auditPath, openAudit } from './audit.js';
import { aheadStillValid, haltCode, haltError, type GatedSince } from './decisions.js';
import { DEFAULT_RECONNECT_MS } from './follow.js';
import { DEFAULT_GATE_TIMEOUT_MS, recordedPeers } from './peers.js';
import { confirmQuestion, needsConfirmation, pausePoint, planRollout, type RolloutPlan } from './plan.js';
import { preflightHost, type HostFacts, type Want } from './preflight.js';
import { pool } from './pool.js';
import type { Progress } from './progress.js';
import type { RemoteEmqx } from './remote.js';
import { decideResume, describeResume, type ResumeDecision } from './resume.js';
import { endedInRollback, rollbackError, rollbackHost, rollbackOrder, rollbackSucceeded, type OnFailure, type RollbackResult } from './rollback.js';
import { prepareRuntimes, type RuntimeOptions } from './runtime.js';
import { settle } from './settle.js';
import { stageHost } from './stage.js';
import type { Transport } from './ssh.js';
import { defaultStatePath, loadState, newState, stateWriter } from './state.js';
import { runningVersion, type WrapperStatus } from './status.js';
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
  /** --pause-after-canary: stop once the canary passed its gate, until re-run with --continue. */
  pauseAfterCanary?: boolean;
  continued?: boolean;
  /** Asked before staging when more than one host is to be touched (see needsConfirmation). */
  confirm?: { stdinIsTTY: boolean; yes: boolean; ask(question: string): Promise<boolean> };
  /** How long the gate waits for the node to see its cluster peers again (default 60 s). */
  gateTimeoutMs?: number;
  /** What a failed upgrade or gate leads to (default halt). */
  onFailure?: OnFailure;
  /** --remote-runtime: which hosts run the single executable instead of their node (runtime.ts). */
  runtime?: RuntimeOptions;
  /** How long to keep following a host's upgrade again after its connection dropped (default 60 s). */
  reconnectMs?: number;
}

/** `unknown`: the connection dropped during its upgrade and its end could not be read again. */
export type HostOutcome = 'done' | 'at-target' | 'failed' | 'untouched' | 'staged' | 'rolled-back' | 'unknown';

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
  /** Stopped on purpose by --pause-after-canary; re-run with --continue. */
  paused: boolean;
  package: string;
  sha256: string;
  target: string;
  direction: 'upgrade' | 'downgrade';
  state: string | null;
  plan: RolloutPlan | null;
  /** What this run made of the state file (null when preflight did not get that far). */
  resume: ResumeDecision | null;
  hosts: HostReport[];
  warnings: string[];
  /** `host`: the host whose failure this is, when it is one host's (its report row has the details). */
  error?: { code: string; message: string; exitCode: number; host?: string };
}

export interface StopSignal {
  requested: boolean;
}

/** A host's error without the "host: " it starts with, for the places that already name the host. */
function withoutHost(dest: string, message: string): string {
  return message.startsWith(`${dest}: `) ? message.slice(dest.length + 2) : message;
}

/** The package's upgrade paths, read once for every host's preflight. */
async function packagePaths(path: string, target: string): Promise<Want['relup']> {
  const { relup: fact } = await readPackage(path, { ...NOTHING, relup: target });
  if (fact?.kind === 'error') throw fact.error;
  return fact?.kind === 'found' ? { upFrom: fact.relup.upFrom, downTo: fact.relup.downTo } : null;
}

export async function resolveRemote(o: RolloutOptions['remote']): Promise<RemoteEmqx> {
  if (o.kind === 'installed') return o;
  const w = await readShippedWrapper(o.localFile);
  return { kind: 'shipped', node: o.node, localFile: w.path, sha256: w.sha256, name: `emqx-${toolVersion()}.cjs` };
}

export async function rollout(opts: RolloutOptions, t: Transport, progress: Progress, stop: StopSignal): Promise<RolloutReport> {
  // Reads started ahead end before the rollout does: none may reach a transport being closed.
  const reads: Promise<unknown>[] = [];
  try {
    return await run(opts, t, progress, stop, reads);
  } finally {
    await Promise.allSettled(reads);
  }
}

async function run(opts: RolloutOptions, t: Transport, progress: Progress, stop: StopSignal, reads: Promise<unknown>[]): Promise<RolloutReport> {
  const pkg: LocalPackage = await readLocalPackage(opts.packagePath);
  const emqx = await resolveRemote(opts.remote);
  const target = pkg.name.version;
  const statePath = opts.statePath ?? defaultStatePath(pkg.name.file, opts.downgrade);
  const ident = { package: pkg.name.file, sha256: pkg.sha256, target, downgrade: opts.downgrade };
  const loaded = await loadState(statePath, ident);
  // A run that ended in a rollback is over: the next one starts afresh, canary included.
  const prior = loaded && endedInRollback(loaded) ? null : loaded;
  // The audit trail beside the state; a dry run writes nothing, here either.
  const audit = opts.dryRun
    ? null
    : openAudit(
        auditPath(statePath),
        { package: pkg.path, sha256: pkg.sha256, target, direction: opts.downgrade ? 'downgrade' : 'upgrade', hosts: opts.hosts, state: statePath, resumed: prior !== null, tool: toolVersion() },
        (m) => progress.note(`warning: ${m}`),
      );
  if (audit) {
    t = audit.transport(t);
    progress = audit.progress(progress);
  }
  // Hosts without a fitting node get the single executable, staged before their preflight reads them.
  if (opts.runtime && emqx.kind === 'shipped') opts = { ...opts, hosts: await prepareRuntimes(t, opts.hosts, { ...opts.runtime, note: (m) => progress.note(m) }) };
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
    relup: await packagePaths(pkg.path, target),
  };

  const rows = new Map<string, HostReport>(
    opts.hosts.map((h) => [h.dest, { host: h.dest, root: h.root, from: null, version: null, outcome: 'untouched' }]),
  );
  const report: RolloutReport = {
    ok: false,
    dryRun: opts.dryRun,
    interrupted: false,
    paused: false,
    package: pkg.path,
    sha256: pkg.sha256,
    target,
    direction: opts.downgrade ? 'downgrade' : 'upgrade',
    state: opts.dryRun ? null : statePath,
    plan: null,
    resume: null,
    hosts: [...rows.values()],
    warnings: [],
  };
  if (loaded && !prior) report.warnings.push(`the previous run of this rollout rolled back; starting afresh (${statePath} is replaced)`);
  const finish = (e?: RelupError, host?: string): RolloutReport => {
    for (const r of rows.values()) if (r.outcome === 'untouched' && !r.error) progress.phase(r.host, 'untouched');
    if (e) report.error = { code: e.code, message: e.line, exitCode: e.exitCode, ...(host ? { host } : {}) };
    report.ok = !e && !report.interrupted;
    audit?.record({ event: 'end', ok: report.ok, interrupted: report.interrupted, paused: report.paused, ...(report.error ? { error: report.error } : {}) });
    return report;
  };
  const failRow = (dest: string, e: RelupError, outcome: HostOutcome = 'failed') => {
    const row = rows.get(dest)!;
    row.outcome = outcome;
    row.error = { code: e.code, message: withoutHost(dest, e.line) };
    const d = e.details ?? {};
    if (typeof d.stdout === 'string') row.stdout = d.stdout;
    if (typeof d.stderr === 'string') row.stderr = d.stderr;
    progress.phase(dest, outcome === 'unknown' ? 'unknown' : 'failed', withoutHost(dest, e.message));
  };

  progress.event('start', { package: pkg.path, sha256: pkg.sha256, target, direction: report.direction, hosts: opts.hosts, state: report.state });

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
  const preflighted = settle(opts.hosts.map((h) => h.dest), pre);
  for (const [dest, f] of preflighted.ok) {
    facts.set(dest, f);
    report.warnings.push(...f.warnings);
  }
  for (const { dest, error } of preflighted.failed) failRow(dest, error, 'untouched');
  for (const w of report.warnings) progress.note(`warning: ${w}`);
  if (preflighted.first) {
    const { dest, error: first } = preflighted.first;
    const more = preflighted.failed.length > 1 ? ` (and ${preflighted.failed.length - 1} more host(s) failed preflight)` : '';
    return finish(new RelupError(first.code, `preflight failed, no host was touched: ${first.message}${more}`, { hint: first.hint ?? 'fix it and re-run' }), dest);
  }

  // 2. Resume, replace or refuse the state file, judged against what preflight saw; then plan.
  const seen = opts.hosts.map((h) => ({ dest: h.dest, root: h.root, running: facts.get(h.dest)!.running, atTarget: facts.get(h.dest)!.atTarget }));
  let resume: ResumeDecision;
  try {
    resume = decideResume(statePath, prior, seen);
  } catch (e) {
    return finish(toRelupError(e));
  }
  report.resume = resume;
  progress.event('resume', { ...resume });
  if (resume.kind !== 'new') progress.note(describeResume(resume, statePath));
  const plan = planRollout({ hosts: seen, recorded: resume.kind === 'resume' ? resume.recorded : {}, batch: opts.batch });
  report.plan = plan;
  for (const d of plan.skip) rows.get(d)!.outcome = 'at-target';
  progress.event('plan', { ...plan });
  const planned = plan.batches.flat().map((d) => facts.get(d)!);
  if (opts.dryRun || (planned.length === 0 && plan.regate.length === 0)) {
    if (opts.dryRun) {
      for (const d of plan.regate) progress.phase(d, 'queued', 're-gate');
      for (const f of planned) progress.phase(f.host.dest, 'queued', `${f.running} -> ${target}`);
    }
    return finish();
  }

  const pause = pausePoint({ pauseAfterCanary: opts.pauseAfterCanary === true, continued: opts.continued === true, plan });
  if (pause === 'before') {
    report.paused = true;
    progress.note('paused: the canary passed its gate in an earlier run; re-run the same command with --continue to upgrade the rest');
    return finish();
  }
  const c = opts.confirm;
  if (c && needsConfirmation({ stdinIsTTY: c.stdinIsTTY, yes: c.yes, dryRun: opts.dryRun, hostsToTouch: planned.length })) {
    if (!(await c.ask(confirmQuestion(plan, report.direction, target)))) {
      return finish(new RelupError('NOT_CONFIRMED', 'not confirmed; no host was touched', { hint: 'answer y to go on, or pass --yes to skip the question' }));
    }
  }

  const state = resume.kind === 'resume' && prior ? prior : newState(ident);
  const store = stateWriter(statePath, state);
  for (const f of planned) {
    const rec = state.hosts[f.host.dest];
    state.hosts[f.host.dest] = { root: f.host.root, status: rec?.status === 'failed' || rec?.status === 'upgrading' || rec?.status === 'unknown' ? rec.status : 'pending', from: rec?.from ?? f.running, at: new Date().toISOString() };
  }
  await store.flush();
  const gateTimeoutMs = opts.gateTimeoutMs ?? DEFAULT_GATE_TIMEOUT_MS;
  const reconnectMs = opts.reconnectMs ?? DEFAULT_RECONNECT_MS;
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
        reconnectMs,
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
    const done = [...rows.values()].filter((r) => r.outcome === 'done' || r.outcome === 'at-target').length;
    const left = [...rows.values()].filter((r) => r.outcome === 'staged' || r.outcome === 'untouched').length;
    return rollbackError(at, first, results, done, left);
  };
  // The hosts that passed their gate in this rollout (this run or an earlier one of the same state).
  const doneHosts = () => Object.entries(state.hosts).filter(([d, h]) => h.status === 'done' && rows.has(d)).map(([d, h]) => ({ dest: d, at: h.at }));
  const interrupted = () => {
    report.interrupted = true;
    progress.note('stopped on request; re-run the same command to continue');
    return finish();
  };
  if (stop.requested) return interrupted();

  // 3. Hosts whose gate failed in the earlier run are gated again first: until it passes they
  // are not done, and nothing else is staged or upgraded.
  const regated = await Promise.allSettled(
    plan.regate.map(async (dest) => {
      const f = facts.get(dest)!;
      const from = state.hosts[dest]?.from ?? f.running;
      // The peers recorded before its upgrade in the earlier run: the re-gate checks the cluster too.
      const peers = state.hosts[dest]?.peers ?? null;
      const kept = peers ? { peers } : {};
      progress.phase(dest, 'gate', 're-gate: it failed in the earlier run');
      try {
        await gateHost(t, f.host, emqx, change, opts.check, opts.commandTimeoutMs, { before: peers, timeoutMs: gateTimeoutMs, doing: report.direction });
      } catch (err) {
        const e = toRelupError(err);
        await store.set(dest, { root: f.host.root, status: 'failed', from, version: f.running, ...kept, error: e.line });
        throw e;
      }
      const row = rows.get(dest)!;
      row.from = from;
      row.outcome = 'done';
      row.version = target;
      await store.set(dest, { root: f.host.root, status: 'done', from, version: target, ...kept });
      progress.phase(dest, 'done', 're-gated');
    }),
  );
  const regateSettled = settle(plan.regate, regated);
  if (regateSettled.first) {
    for (const { dest, error } of regateSettled.failed) failRow(dest, error);
    const { dest: d0, error: e } = regateSettled.first;
    const order = rollbackOrder(opts.onFailure ?? 'halt', regateSettled.failed.map((x) => x.dest), doneHosts());
    if (order.length > 0) return finish(await rollBack(order, d0, e), d0);
    return finish(
      new RelupError(haltCode(e.code), `rollout halted at ${d0} (gated again, it failed again): ${withoutHost(d0, e.message)}`, {
        hint: `no host was staged or upgraded in this run; fix ${d0} and re-run the same command`,
      }),
      d0,
    );
  }
  if (stop.requested) return interrupted();

  // 4. Stage on every planned host.
  const staged = await pool(planned, opts.stageParallel, async (f) => {
    progress.phase(f.host.dest, 'staging');
    const r = await stageHost(t, f, pkg, emqx, opts.commandTimeoutMs);
    rows.get(f.host.dest)!.outcome = 'staged';
    if (r.note) {
      report.warnings.push(r.note);
      progress.note(`warning: ${r.note}`);
    }
    progress.phase(f.host.dest, 'staged', r.skipped ? 'already there' : r.note ? 'over ssh cat' : '');
    return r;
  });
  const plannedDests = planned.map((f) => f.host.dest);
  const stagedSettled = settle(plannedDests, staged);
  if (stagedSettled.first) {
    for (const { dest, error } of stagedSettled.failed) failRow(dest, error);
    const { dest, error: e } = stagedSettled.first;
    return finish(new RelupError(e.code, `staging failed, no host was upgraded: ${e.message}`, { hint: e.hint ?? 'fix it and re-run' }), dest);
  }
  // A remote --dry-run on each host: the wrapper there must agree before the first change.
  const checked = await pool(planned, opts.stageParallel, async (f) => {
    progress.phase(f.host.dest, 'plan-check');
    await planCheck(t, f.host, emqx, change, opts.commandTimeoutMs);
    progress.phase(f.host.dest, 'queued');
  });
  const checkedSettled = settle(plannedDests, checked);
  if (checkedSettled.first) {
    for (const { dest, error } of checkedSettled.failed) failRow(dest, error, 'staged');
    const { dest, error: e } = checkedSettled.first;
    return finish(new RelupError(e.code, `the remote plan check failed, no host was upgraded: ${e.message}`, { hint: e.hint ?? 'fix it and re-run' }), dest);
  }

  // 5. Canary, then batches; a gate after every host; halt on the first failure.
  const unchanged = new Set<string>();
  // The next batch's pre-upgrade status, read while this one is gated (a read, so never harmful);
  // used unless the cluster changed under it (aheadStillValid), then read again.
  let ahead = new Map<string, Promise<WrapperStatus | null>>();
  let gatedSince: GatedSince[] = [];
  for (const [bi, batch] of plan.batches.entries()) {
    if (stop.requested) return interrupted();
    const mine = ahead;
    const mineGated = gatedSince;
    ahead = new Map();
    gatedSince = [];
    const readAhead = () => {
      if (ahead.size > 0) return;
      for (const d of plan.batches[bi + 1] ?? []) {
        const read = queryStatus(t, facts.get(d)!.host, emqx, opts.commandTimeoutMs).catch(() => null);
        ahead.set(d, read);
        reads.push(read);
      }
    };
    const results = await Promise.allSettled(
      batch.map(async (dest) => {
        const f = facts.get(dest)!;
        progress.phase(dest, 'upgrading', plan.canary && bi === 0 ? 'canary' : `batch ${bi + 1}/${plan.batches.length}`);
        await store.set(dest, { root: f.host.root, status: 'upgrading', from: f.running });
        let peers: string[] | null = null;
        // Which step failed: before the change, or a change that never reached the host, left it as it was.
        let step: 'peers' | 'change' | 'gate' = 'peers';
        try {
          // The cluster the node is in now: its gate waits until the node sees it again.
          const early = await mine.get(dest);
          const valid = early && aheadStillValid({ name: early.node.name, peers: early.peers }, mineGated);
          const rec = recordedPeers(dest, valid ? early : await queryStatus(t, f.host, emqx, opts.commandTimeoutMs));
          peers = rec.peers;
          if (rec.warning) {
            report.warnings.push(rec.warning);
            progress.note(`warning: ${rec.warning}`);
          }
          if (peers) await store.set(dest, { root: f.host.root, status: 'upgrading', from: f.running, peers });
          step = 'change';
          const changed = await changeHost(t, f.host, emqx, change, opts.upgradeTimeoutMs, reconnectMs);
          step = 'gate';
          progress.phase(dest, 'gate');
          readAhead();
          const gated = await gateHost(t, f.host, emqx, change, opts.check, opts.commandTimeoutMs, { before: peers, timeoutMs: gateTimeoutMs, doing: report.direction }, changed.status);
          gatedSince.push({ name: gated.node.name, before: peers });
        } catch (err) {
          const e = toRelupError(err);
          if (step === 'peers' || (step === 'change' && (e.code === 'UNREACHABLE' || e.code === 'LOCKED'))) unchanged.add(dest);
          // Best effort: say what the failed host runs now (an unknown host stays unknown: its run's end was not read).
          const now = await queryStatus(t, f.host, emqx, opts.commandTimeoutMs).then(runningVersion, () => null);
          rows.get(dest)!.version = now;
          const status = e.code === 'HOST_UNKNOWN' ? 'unknown' : 'failed';
          await store.set(dest, { root: f.host.root, status, from: f.running, ...(now ? { version: now } : {}), ...(peers ? { peers } : {}), error: e.line });
          throw e;
        }
        const row = rows.get(dest)!;
        row.outcome = 'done';
        row.version = target;
        await store.set(dest, { root: f.host.root, status: 'done', from: f.running, version: target, ...(peers ? { peers } : {}) });
        progress.phase(dest, 'done', `${f.running} -> ${target}`);
      }),
    );
    const batchSettled = settle(batch, results);
    if (batchSettled.first) {
      for (const { dest, error } of batchSettled.failed) failRow(dest, error, error.code === 'HOST_UNKNOWN' ? 'unknown' : 'failed');
      const { dest: d0, error: e } = batchSettled.first;
      // An unknown host is not rolled back: what it runs is not known.
      const order = rollbackOrder(opts.onFailure ?? 'halt', batchSettled.failed.filter((x) => x.error.code !== 'HOST_UNKNOWN').map((x) => x.dest), doneHosts());
      if (order.length > 0) return finish(await rollBack(order, d0, e), d0);
      return finish(haltError(d0, e, withoutHost(d0, e.message), [...rows.values()], unchanged.has(d0)), d0);
    }
    if (bi === 0 && pause === 'after-canary') {
      report.paused = true;
      const left = plan.batches.slice(1).flat().length;
      progress.note(`paused after the canary ${batch[0]} passed its gate; re-run the same command with --continue to upgrade the other ${left} host(s)`);
      return finish();
    }
    if (bi < plan.batches.length - 1 && opts.settleSec > 0 && !stop.requested) {
      progress.note(`settling ${opts.settleSec}s before the next host`);
      const deadline = Date.now() + opts.settleSec * 1000;
      while (Date.now() < deadline && !stop.requested) await sleep(Math.min(200, deadline - Date.now()));
    }
  }
  return finish();
}
