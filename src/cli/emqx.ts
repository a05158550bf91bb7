// The `emqx` command: parse, dispatch, print, exit. Only this layer prints; heavy modules are
// loaded by the paths that need them, so `emqx ping` starts about as fast as node itself.
import { parseWrapperArgs, WRAPPER_HELP } from './emqx-args.js';
import { makeReporter, reportError, usageError } from './report.js';
import type { Plan } from '../plan.js';
import { toolVersion } from '../tool-version.js';

const PROG = 'emqx';

function formatPlan(plan: Plan): string {
  const lines = [`emqx ${plan.command}${plan.targetVersion ? ` ${plan.targetVersion}` : ''}: dry run, nothing changed`];
  lines.push(`  root:      ${plan.root} (${plan.edition} edition)`);
  lines.push(
    `  versions:  current ${plan.currentVersion}${plan.targetVersion ? `, target ${plan.targetVersion}` : ''}; the scripts of ${plan.newestVersion} run`,
  );
  if (plan.package) lines.push(`  extract:   ${plan.extract.join(', ')} from ${plan.package}`);
  else lines.push(`  scripts:   already in bin/`);
  if (plan.emqxVars) {
    lines.push(`  emqx_vars: add to ${plan.emqxVars.file}, because ${plan.emqxVars.why}:`);
    for (const l of plan.emqxVars.lines) lines.push(`             ${l.text}   (line ${l.line})`);
  }
  lines.push(`  then:      ${plan.action === 'exec-newer' ? 'hand over to' : 'run'} ${plan.exec.file} ${plan.exec.args.join(' ')}`);
  return lines.join('\n');
}

export async function main(argv: string[], invoked: string): Promise<number> {
  // Until parsed: a --json after -- belongs to the runner or the escript, not to our errors.
  let json = (argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv).includes('--json');
  const reporter = () => makeReporter(PROG, json);
  try {
    const a = parseWrapperArgs(argv);
    json = a.json;
    const base = { rootFlag: a.root, invoked, cwd: process.cwd(), env: process.env };
    if (a.help) {
      process.stdout.write(WRAPPER_HELP);
      return 0;
    }
    // Before any dynamic import: --version loads nothing heavy and never reaches the runner.
    if (a.version) {
      process.stdout.write(toolVersion() + '\n');
      return 0;
    }
    if (a.run) {
      const run = await import('../process/detached-run.js');
      if (a.root === null) throw usageError(`--${a.run.mode} needs --root=DIR`);
      const { resolve } = await import('node:path');
      const root = resolve(a.root);
      const rest = argv.filter((w) => w !== `--${a.run!.mode}=${a.run!.id}`);
      if (a.run.mode === 'detached-run') {
        const code = await main(rest, invoked);
        // After a hot-upgrade command, from the same process: the facts its gate needs (RELEASES,
        // node alive, peers), so the rollout need not start this wrapper again to ask.
        let after: unknown = null;
        if (a.relup) {
          const { collectStatus } = await import('../node/status.js');
          after = await collectStatus(base).catch(() => null);
        }
        await run.recordRunEnd(root, a.run.id, code, after);
        return code;
      }
      const io = run.processIo();
      try {
        if (a.run.mode === 'follow') return await run.followRun(root, a.run.id, io);
        if (a.command === null) throw usageError('--detach needs a command to run');
        return await run.launchDetached(root, a.run.id, rest, io);
      } finally {
        io.close?.();
      }
    }
    if (a.status) {
      const { collectStatus, formatStatus } = await import('../node/status.js');
      const s = await collectStatus(base);
      if (json) process.stdout.write(JSON.stringify(s) + '\n');
      else {
        for (const w of s.warnings) process.stderr.write(`${PROG}: warning: ${w}\n`);
        process.stdout.write(formatStatus(s) + '\n');
      }
      return 0;
    }
    if (a.command === null) throw usageError('no command given', "run 'emqx --help'");
    // The wrapper's own, not the runner's (EMQX's bin/emqx has no completion command).
    if (a.command === 'completion') {
      const { emqxCompletion } = await import('./emqx-completion.js');
      process.stdout.write(emqxCompletion(a.rest, process.env));
      return 0;
    }
    if (!a.relup) {
      const { passthrough, passthroughExec } = await import('../process/passthrough.js');
      const req = { ...base, command: a.command, rest: a.rest };
      if (a.dryRun) {
        const { root, exec } = await passthroughExec(req);
        const plan = { command: a.command, root, action: 'passthrough', exec };
        const env = Object.entries(exec.env).map(([k, v]) => `${k}=${v}`).join(' ');
        process.stdout.write(json ? JSON.stringify(plan) + '\n' : `emqx ${a.command}: dry run, nothing run; would run ${exec.file} ${exec.args.join(' ')} (cwd ${exec.cwd}, env + ${env})\n`);
        return 0;
      }
      return await passthrough(req);
    }
    const rep = reporter();
    const req = {
      ...base,
      ...a.relup,
      packageFlag: a.package,
      requireChecksum: a.requireChecksum,
      dryRun: a.dryRun,
      allowPatches: a.allowPatches,
      json: a.json,
      warn: (m: string) => rep.warn(m),
    };
    const pipeline = await import('../execute.js');
    if (a.dryRun) {
      const { redactPlan } = await import('../plan.js');
      const p = await pipeline.dryRun(req);
      const plan = redactPlan({ ...p.plan, warnings: rep.warnings }, p.cookie);
      process.stdout.write(json ? JSON.stringify(plan) + '\n' : formatPlan(plan) + '\n');
      return 0;
    }
    const { exitCode } = await pipeline.execute(req);
    if (json && rep.warnings.length > 0) process.stderr.write(JSON.stringify({ warnings: rep.warnings }) + '\n');
    return exitCode;
  } catch (e) {
    return reportError(PROG, e, json);
  }
}
