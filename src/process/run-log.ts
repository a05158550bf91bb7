// The wrapper's own record on the host: one JSON line per run that changed something, appended
// to <root>/log/emqx-relup.log (EMQX's log directory), saying what was run, from which version
// to which, and how it ended. Written just before handing over to a newer wrapper or runner, and
// just after the escript returns. A log that cannot be written never fails the upgrade: a
// warning says so and the run goes on.
import { appendFileSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Plan } from '../plan.js';

export const RUN_LOG = join('log', 'emqx-relup.log');

export type RunOutcome = { kind: 'handed-over' } | { kind: 'exit'; exitCode: number };

/** The line, as plain data. `plan` must already be redacted (redactPlan): the log never holds the cookie. */
export function runLogEntry(plan: Plan, outcome: RunOutcome, ctx: { time: Date; pid: number; user: string; tool: string }): Record<string, unknown> {
  return {
    time: ctx.time.toISOString(),
    pid: ctx.pid,
    user: ctx.user,
    tool: ctx.tool,
    command: plan.command,
    from: plan.currentVersion,
    to: plan.targetVersion,
    scripts: plan.newestVersion,
    package: plan.package,
    // What each package cost this process and the sha256 it was verified by: the audit of "what was checked is what ran".
    ...(plan.reads ? { reads: plan.reads } : {}),
    run: [plan.exec.file, ...plan.exec.args],
    ...(plan.emqxVars ? { emqxVarsAdded: { file: plan.emqxVars.file, from: plan.emqxVars.from, variables: plan.emqxVars.lines.flatMap((l) => l.names) } } : {}),
    ...(plan.patchesAllowed.length > 0 ? { patchesAllowed: plan.patchesAllowed } : {}),
    outcome: outcome.kind === 'handed-over' ? 'handed-over' : outcome.exitCode === 0 ? 'ok' : 'failed',
    ...(outcome.kind === 'exit' ? { exitCode: outcome.exitCode } : {}),
  };
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '');
  }
}

/** Appends the line; never throws. EMQX installs have log/; one that lacks it gets it (0755). */
export function appendRunLog(root: string, entry: Record<string, unknown>, warn: (message: string) => void): void {
  const file = join(root, RUN_LOG);
  try {
    mkdirSync(join(root, 'log'), { recursive: true, mode: 0o755 });
    appendFileSync(file, JSON.stringify(entry) + '\n', { mode: 0o644 });
  } catch (e) {
    warn(`could not append to ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the run is not recorded there`);
  }
}

/** `versions` only reads: the log is for runs that change the installation. */
export function logsRun(command: Plan['command']): boolean {
  return command !== 'versions';
}

export function logRun(root: string, plan: Plan, outcome: RunOutcome, tool: string, warn: (message: string) => void): void {
  if (!logsRun(plan.command)) return;
  appendRunLog(root, runLogEntry(plan, outcome, { time: new Date(), pid: process.pid, user: currentUser(), tool }), warn);
}
