// The human report printed when a rollout ends: every host once, with its full error and the
// tail of its remote output, then the state file. Pure: report in, text out. On a terminal the
// one-line error (src/cli/report.ts) follows right below it, so there the host that error is
// about does not repeat it; a report that goes elsewhere (a file) stays complete.
import { counts, elapsed, printable } from './display.js';
import { describeResume } from './resume.js';
import type { RolloutReport } from './run.js';

const TAIL = 20;

export function reportText(r: RolloutReport, o: { elapsedMs?: number; errorBelow?: boolean } = {}): string {
  const lines: string[] = [];
  const verdict = r.dryRun
    ? 'plan (dry run, nothing changed)'
    : r.interrupted
      ? 'INTERRUPTED'
      : r.paused
        ? 'PAUSED after the canary (re-run with --continue)'
        : r.ok
          ? 'complete'
          : r.error?.code === 'NOT_CONFIRMED'
            ? 'not confirmed, nothing changed'
            : r.error?.code === 'ROLLED_BACK'
              ? 'ROLLED BACK'
              : r.error?.code === 'ROLLBACK_FAILED'
                ? 'HALTED, ROLLBACK FAILED'
                : 'HALTED';
  const took = o.elapsedMs === undefined ? '' : `  ${elapsed(o.elapsedMs)}`;
  lines.push(`rollout ${r.direction} to ${r.target}: ${verdict}${took}  ${r.hosts.length} host(s): ${counts(r.hosts.map((h) => h.outcome))}`);
  if (r.resume && r.state) lines.push(`  ${describeResume(r.resume, r.state)}`);
  if (r.plan && r.dryRun) {
    if (r.plan.regate.length) lines.push(`  re-gate: ${r.plan.regate.join(', ')} (at ${r.target}, gate failed in the earlier run)`);
    for (const [i, b] of r.plan.batches.entries()) lines.push(`  ${r.plan.canary && i === 0 ? 'canary ' : `batch ${i + 1}`}: ${b.join(', ')}`);
    if (r.plan.skip.length) lines.push(`  skip (already at ${r.target}): ${r.plan.skip.join(', ')}`);
    if (r.plan.batches.length === 0 && r.plan.regate.length === 0) lines.push('  nothing to do: every host is at the target');
  }
  const w = Math.max(...r.hosts.map((h) => h.host.length));
  for (const h of r.hosts) {
    const ver = h.from && h.version && h.from !== h.version ? `${h.from} -> ${h.version}` : (h.version ?? h.from ?? '?');
    const inErrorLine = o.errorBelow === true && h.error !== undefined && r.error?.host === h.host;
    const said = inErrorLine ? r.error!.message : (h.error?.message ?? '');
    const why = h.error ? (inErrorLine ? ' (see the error below)' : `: ${printable(h.error.message)}`) : '';
    lines.push(`  ${h.host.padEnd(w)}  ${ver.padEnd(18)} ${h.outcome}${why}`);
    if (h.rollback) lines.push(`      rollback to ${h.rollback.to}: ${printable(h.rollback.how)}`);
    for (const [name, text] of [['stdout', h.stdout], ['stderr', h.stderr]] as const) {
      const tail = (text ?? '').trim().split('\n').slice(-TAIL);
      // On a terminal a line the error already quotes is not shown twice; a file gets it all.
      for (const l of tail) if (l.trim() && !(o.errorBelow && said.includes(l.trim()))) lines.push(`      ${name}| ${printable(l)}`);
    }
  }
  if (r.state) lines.push(`state: ${r.state}`);
  return lines.join('\n') + '\n';
}
