// The rollout: preflight every host, plan, stage, check the remote plan, then canary and
// batches with a health gate after each host. The first failure halts; the report always says
// where every host stands.
import { setTimeout as sleep } from 'node:timers/promises';
import { RelupError, toRelupError } from '../errors.js';
import { readLocalPackage, readShippedWrapper, toolVersion, type LocalPackage } from './artifacts.js';
import type { HostSpec } from './inventory.js';
import { auditPath, openAudit } from './audit.js';
import { confirmQuestion, needsConfirmation, pausePoint, planRollout, type RolloutPlan } from './plan.js';
import { preflightHost, type HostFacts, type Want } from './preflight.js';
import { pool } from './pool.js';
import type { Progress } from './progress.js';
import type { RemoteEmqx } from './remote.js';
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
  /** --pause-after-canary: stop once the canary passed its gate, until re-run with --continue. */
  pauseAfterCanary?: boolean;
  continued?: boolean;
  /** Asked before staging when more than one host is to be touched (see needsConfirmation). */
  confirm?: { stdinIsTTY: boolean; yes: boolean; ask(question: string): Promise<boolean> };
}

export type HostOutcome = 'done' | 'at-target' | 'failed' | 'untouched' | 'staged';

export interface HostReport {
  host: string;
  root: string;
  from: string | null;
  version: string | null;
  outcome: HostOutcome;
  error?: { code: string; message: string };
  stdout?: string;
  stderr?: string;
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
  hosts: HostReport[];
  warnings: string[];
  error?: { code: string; message: string; exitCode: number };
}

export interface StopSignal {
  requested: boolean;
}

export async function resolveRemote(o: RolloutOptions['remote']): Promise<RemoteEmqx> {
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
  const prior = await loadState(statePath, ident);
  // The audit trail beside the state; a dry run writes nothing, here either.
  const audit = opts.dryRun
    ? null
    : openAudit(
        auditPath(statePath),
        { package: pkg.path, sha256: pkg.sha256, target, direction: opts.downgrade ? 'downgrade' : 'upgrade', hosts: opts.hosts, state: statePath, resumed: prior !== null, tool: await toolVersion() },
        (m) => progress.note(`warning: ${m}`),
      );
  if (audit) {
    t = audit.transport(t);
    progress = audit.progress(progress);
  }
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
    paused: false,
    package: pkg.path,
    sha256: pkg.sha256,
    target,
    direction: opts.downgrade ? 'downgrade' : 'upgrade',
    state: opts.dryRun ? null : statePath,
    plan: null,
    hosts: [...rows.values()],
    warnings: [],
  };
  const finish = (e?: RelupError): RolloutReport => {
    for (const r of rows.values()) if (r.outcome === 'untouched' && !r.error) progress.phase(r.host, 'untouched');
    if (e) report.error = { code: e.code, message: e.line, exitCode: e.exitCode };
    report.ok = !e && !report.interrupted;
    audit?.record({ event: 'end', ok: report.ok, interrupted: report.interrupted, paused: report.paused, ...(report.error ? { error: report.error } : {}) });
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

  const state = prior ?? newState(ident);
  const store = stateWriter(statePath, state);
  for (const f of planned) {
    const rec = state.hosts[f.host.dest];
    state.hosts[f.host.dest] = { root: f.host.root, status: rec?.status === 'failed' || rec?.status === 'upgrading' ? rec.status : 'pending', from: rec?.from ?? f.running, at: new Date().toISOString() };
  }
  await store.flush();
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
    for (const [i, r] of staged.entries()) if (r.status === 'rejected') failRow(planned[i]!.host.dest, toRelupError(r.reason));
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
    for (const [i, r] of checked.entries()) if (r.status === 'rejected') failRow(planned[i]!.host.dest, toRelupError(r.reason), 'staged');
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
        try {
          await changeHost(t, f.host, emqx, change, opts.upgradeTimeoutMs);
          progress.phase(dest, 'gate');
          await gateHost(t, f.host, emqx, change, opts.check, opts.commandTimeoutMs);
        } catch (err) {
          const e = toRelupError(err);
          // Best effort: say what the failed host runs now.
          const now = await queryStatus(t, f.host, emqx, opts.commandTimeoutMs).then(runningVersion, () => null);
          rows.get(dest)!.version = now;
          await store.set(dest, { root: f.host.root, status: 'failed', from: f.running, ...(now ? { version: now } : {}), error: e.line });
          throw e;
        }
        const row = rows.get(dest)!;
        row.outcome = 'done';
        row.version = target;
        await store.set(dest, { root: f.host.root, status: 'done', from: f.running, version: target });
        progress.phase(dest, 'done', `${f.running} -> ${target}`);
      }),
    );
    const failed = results.map((r, i) => [r, batch[i]!] as const).filter(([r]) => r.status === 'rejected');
    if (failed.length > 0) {
      for (const [r, dest] of failed) failRow(dest, toRelupError((r as PromiseRejectedResult).reason));
      const [r0, d0] = failed[0]!;
      const e = toRelupError((r0 as PromiseRejectedResult).reason);
      const done = [...rows.values()].filter((r) => r.outcome === 'done').length;
      const left = [...rows.values()].filter((r) => r.outcome === 'staged' || r.outcome === 'untouched').length;
      return finish(
        new RelupError('ROLLOUT_HALTED', `rollout halted at ${d0}: ${e.message}`, {
          hint: `${done} host(s) done, ${left} not upgraded; fix ${d0} and re-run the same command to resume`,
        }),
      );
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
