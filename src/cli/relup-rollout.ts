// `emqx-relup rollout <package> (--hosts a,b,c | --inventory FILE) [...]`: rolling hot upgrade
// over SSH. Parses options, wires the transport and the progress output, prints the report.
import { RelupError } from '../errors.js';
import { reportError, usageError } from './report.js';
import { DEFAULT_ROOT, parseHostList, readInventory } from '../rollout/inventory.js';
import { humanProgress, jsonProgress } from '../rollout/progress.js';
import { ON_FAILURE, onFailureProblem, type OnFailure } from '../rollout/rollback.js';
import type { RolloutReport, RolloutOptions, StopSignal } from '../rollout/run.js';

const PROG = 'emqx-relup rollout';
export const EXIT_INTERRUPTED = 130;

function positiveInt(name: string, v: unknown, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw usageError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

function humanReport(r: RolloutReport): string {
  const lines: string[] = [];
  const what = `${r.direction} to ${r.target}`;
  const rolledBack = r.error?.code === 'ROLLED_BACK' ? 'ROLLED BACK' : r.error?.code === 'ROLLBACK_FAILED' ? 'HALTED, ROLLBACK FAILED' : 'HALTED';
  const verdict = r.dryRun ? 'plan (dry run, nothing changed)' : r.interrupted ? 'INTERRUPTED' : r.ok ? 'complete' : rolledBack;
  lines.push(`rollout ${what}: ${verdict}`);
  if (r.plan && r.dryRun) {
    r.plan.batches.forEach((b, i) => lines.push(`  ${r.plan!.canary && i === 0 ? 'canary ' : `batch ${i + 1}`}: ${b.join(', ')}`));
    if (r.plan.skip.length) lines.push(`  skip (already at ${r.target}): ${r.plan.skip.join(', ')}`);
    if (r.plan.batches.length === 0) lines.push('  nothing to do: every host is at the target');
  }
  const w = Math.max(...r.hosts.map((h) => h.host.length));
  for (const h of r.hosts) {
    const ver = h.from && h.version && h.from !== h.version ? `${h.from} -> ${h.version}` : (h.version ?? h.from ?? '?');
    lines.push(`  ${h.host.padEnd(w)}  ${ver.padEnd(18)} ${h.outcome}${h.error ? `: ${h.error.message}` : ''}`);
    if (h.rollback) lines.push(`      rollback to ${h.rollback.to}: ${h.rollback.how}`);
    for (const [name, text] of [['stdout', h.stdout], ['stderr', h.stderr]] as const) {
      const t = text?.trim();
      if (t) lines.push(...t.split('\n').slice(-20).map((l) => `      ${name}| ${l}`));
    }
  }
  if (r.state) lines.push(`state: ${r.state}`);
  return lines.join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const { default: yargs } = await import('yargs');
  let helpShown = false;
  const args = await yargs(argv)
    .scriptName(PROG)
    .usage('$0 <package> (--hosts a,b,c | --inventory FILE) [options]')
    .strictOptions()
    .version(false)
    .parserConfiguration({ 'camel-case-expansion': true })
    .option('hosts', { type: 'string', describe: 'SSH destinations, comma separated, in rollout order' })
    .option('inventory', { type: 'string', describe: 'file: one host per line, optional release root after it, # comments' })
    .option('root', { type: 'string', default: DEFAULT_ROOT, describe: 'release root on the hosts (inventory lines may override)' })
    .option('batch', { type: 'number', default: 1, describe: 'hosts upgraded together after the canary' })
    .option('stage-parallel', { type: 'number', default: 4, describe: 'hosts staged at the same time' })
    .option('check', { type: 'string', describe: 'command run on each host (cwd = root) after its upgrade; must exit 0' })
    .option('gate-timeout', { type: 'number', default: 60, describe: 'seconds the gate waits for the node to see its cluster peers again' })
    .option('on-failure', { type: 'string', default: 'halt', describe: 'halt | rollback (hot-downgrade the failed host) | rollback-all (and the hosts done before it)' })
    .option('settle', { type: 'number', default: 0, describe: 'seconds to wait between hosts' })
    .option('downgrade', { type: 'boolean', default: false, describe: 'go back to an older release' })
    .option('permanent', { type: 'boolean', default: true, describe: '--no-permanent: leave the new release current but not permanent' })
    .option('state', { type: 'string', describe: 'state file for resume (default ./<package>.rollout.json)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'preflight every host and print the plan; change nothing' })
    .option('json', { type: 'boolean', default: false, describe: 'JSON-lines progress events and a final report on stdout' })
    .option('F', { type: 'string', describe: 'ssh_config file passed to ssh and scp' })
    .option('remote-node', { type: 'string', default: 'node', describe: 'node binary on the hosts that runs the shipped emqx wrapper' })
    .option('remote-emqx', { type: 'string', describe: 'use this emqx wrapper command installed on the hosts instead of shipping one' })
    .option('multiplex', { type: 'boolean', default: true, describe: '--no-multiplex: one SSH connection per command instead of a shared one per host' })
    .option('connect-timeout', { type: 'number', default: 10, describe: 'ssh ConnectTimeout, seconds' })
    .option('command-timeout', { type: 'number', default: 300, describe: 'bound on each preflight, staging, status and --check command, seconds' })
    .option('upgrade-timeout', { type: 'number', default: 3600, describe: "bound on one host's upgrade, seconds" })
    .help()
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? usageError(msg);
    })
    .showHelpOnFail(false)
    .parseAsync()
    .catch((e: unknown) => {
      throw e instanceof RelupError ? e : usageError((e as Error).message);
    });
  if (args.help) helpShown = true;
  if (helpShown) return 0;

  const positional = args._.map(String);
  if (positional.length !== 1) throw usageError(positional.length === 0 ? 'missing the package to roll out' : `one package expected, got ${positional.join(' ')}`);
  if ((args.hosts === undefined) === (args.inventory === undefined)) throw usageError('give exactly one of --hosts and --inventory');
  const hosts = args.hosts !== undefined ? parseHostList(args.hosts, args.root) : await readInventory(args.inventory!, args.root);
  if (args.remoteEmqx !== undefined && args.remoteEmqx.trim() === '') throw usageError('--remote-emqx needs a command');
  const settle = Number(args.settle);
  if (!Number.isFinite(settle) || settle < 0) throw usageError(`--settle must be a number of seconds >= 0, got ${JSON.stringify(args.settle)}`);
  const gateTimeout = Number(args.gateTimeout);
  if (!Number.isFinite(gateTimeout) || gateTimeout < 0) throw usageError(`--gate-timeout must be a number of seconds >= 0, got ${JSON.stringify(args.gateTimeout)}`);
  const onFailure = args.onFailure as OnFailure;
  if (!ON_FAILURE.includes(onFailure)) throw usageError(`--on-failure must be one of ${ON_FAILURE.join(', ')}, got ${JSON.stringify(args.onFailure)}`);
  const onFailureBad = onFailureProblem(onFailure, args.downgrade);
  if (onFailureBad) throw usageError(onFailureBad, 'drop --on-failure (halt) for a downgrade rollout');
  const opts: RolloutOptions = {
    packagePath: positional[0]!,
    hosts,
    batch: positiveInt('batch', args.batch),
    stageParallel: positiveInt('stage-parallel', args.stageParallel),
    ...(args.check !== undefined ? { check: args.check } : {}),
    settleSec: settle,
    downgrade: args.downgrade,
    permanent: args.permanent,
    ...(args.state !== undefined ? { statePath: args.state } : {}),
    dryRun: args.dryRun,
    remote: args.remoteEmqx !== undefined ? { kind: 'installed', command: args.remoteEmqx } : { kind: 'shipped', node: args.remoteNode },
    commandTimeoutMs: positiveInt('command-timeout', args.commandTimeout) * 1000,
    upgradeTimeoutMs: positiveInt('upgrade-timeout', args.upgradeTimeout) * 1000,
    gateTimeoutMs: gateTimeout * 1000,
    onFailure,
  };
  const connectTimeoutSec = positiveInt('connect-timeout', args.connectTimeout);

  const [{ rollout }, { makeSshTransport }] = await Promise.all([import('../rollout/run.js'), import('../rollout/ssh.js')]);
  const transport = makeSshTransport({ connectTimeoutSec, multiplex: args.multiplex, ...(args.F !== undefined ? { configFile: args.F } : {}) });
  const progress = json ? jsonProgress(process.stdout) : humanProgress(process.stderr, hosts.map((h) => h.dest));

  // Ctrl-C / SIGTERM: finish the host in progress through its gate, then stop. The ssh children
  // run in their own process group, so the terminal's SIGINT never reaches them.
  const stop: StopSignal = { requested: false };
  const onSignal = (sig: NodeJS.Signals) => {
    if (!stop.requested) progress.note(`${sig}: stopping after the host in progress finishes its gate (never mid-upgrade)`);
    else progress.note(`${sig}: already stopping; waiting for the host in progress`);
    stop.requested = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let report: RolloutReport;
  try {
    report = await rollout(opts, transport, progress, stop);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.close();
    await transport.close();
  }
  if (json) progress.event('report', { ...report });
  else process.stdout.write(humanReport(report));
  if (report.error) {
    return reportError(PROG, new RelupError(report.error.code as RelupError['code'], report.error.message), json);
  }
  if (report.interrupted) {
    if (!json) process.stderr.write(`${PROG}: interrupted; re-run the same command to continue\n`);
    return EXIT_INTERRUPTED;
  }
  return 0;
}
