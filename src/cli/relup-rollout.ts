// `emqx-relup rollout <package> (--hosts a,b,c | --inventory FILE) [...]`: rolling hot upgrade
// over SSH. Parses options (the table OPTIONS), wires the transport and the progress output, prints the report.
import { RelupError } from '../errors.js';
import type { ArgumentsCamelCase, InferredOptionTypes } from 'yargs';
import { reportError, usageError } from './report.js';
import { intOption, parseCommand, seeHelp, type CommandSpec, type OptionTable, type Parsed } from './relup-parse.js';
import { DEFAULT_ROOT, selectHosts, sshEndpoints } from '../rollout/inventory.js';
import { RUNTIME_MODES, runtimeOptions, type RuntimeMode } from '../rollout/runtime.js';
import { batchSize, parseBatch } from '../rollout/plan.js';
import { displayMode, printable } from '../rollout/display.js';
import { humanProgress, jsonProgress } from '../rollout/progress.js';
import { reportText } from '../rollout/report-text.js';
import { ON_FAILURE, onFailureProblem, type OnFailure } from '../rollout/rollback.js';
import type { RolloutReport, RolloutOptions, StopSignal } from '../rollout/run.js';
import type { Transport } from '../rollout/ssh.js';
import { checkSshConfig } from '../rollout/ssh-config.js';

const PROG = 'emqx-relup rollout';
export const EXIT_INTERRUPTED = 130;

const positiveInt = (name: string, v: unknown): number => intOption('rollout', name, v);

/**
 * The rollout's options: one line each, in help order. An option added here is parsed, shown in
 * `emqx-relup rollout --help` and completed by the shell; read it below as args.<camelCase>.
 * Numbers are untyped: yargs' number type turns `--batch two` into NaN before we can quote it.
 */
export const OPTIONS = {
  hosts: { type: 'string', describe: 'SSH destinations, comma separated, in rollout order' },
  inventory: { type: 'string', describe: 'file: one host per line (optional release root after it, # comments), or an Ansible INI/YAML inventory' },
  group: { type: 'string', describe: 'Ansible inventory: the group or pattern to roll out (default all), e.g. emqx or emqx:!canary' },
  root: { type: 'string', default: DEFAULT_ROOT, describe: 'release root on the hosts (inventory lines may override)' },
  limit: { type: 'string', describe: 'only these hosts of --hosts/--inventory, comma separated' },
  batch: { default: '1', describe: "hosts upgraded together after the canary: N, or P% of the rollout's hosts (rounded down, at least 1)" },
  'stage-parallel': { default: 4, describe: 'hosts staged at the same time' },
  check: { type: 'string', describe: 'command run on each host (cwd = root) after its upgrade; must exit 0' },
  'gate-timeout': { default: 60, describe: 'seconds the gate waits for the node to see its cluster peers of before the upgrade again' },
  'on-failure': {
    type: 'string',
    default: 'halt',
    choices: ON_FAILURE,
    describe: 'halt | rollback (hot-downgrade the failed host and gate it on its old version) | rollback-all (and the hosts done before it, newest first)',
  },
  settle: { default: 0, describe: 'seconds to wait between hosts' },
  downgrade: { type: 'boolean', default: false, describe: 'go back to an older release' },
  permanent: { type: 'boolean', default: true, describe: '--no-permanent: leave the new release current but not permanent' },
  state: { type: 'string', describe: 'state file for resume (default ./<package>.rollout.json)' },
  'dry-run': { type: 'boolean', default: false, describe: 'preflight every host and print the plan; change nothing' },
  json: { type: 'boolean', default: false, describe: 'JSON-lines progress events and a final report on stdout' },
  F: { type: 'string', describe: 'ssh_config file passed to ssh and scp' },
  'remote-node': { type: 'string', default: 'node', describe: 'node binary on the hosts that runs the shipped emqx wrapper' },
  'remote-emqx': { type: 'string', describe: 'use this emqx wrapper command installed on the hosts instead of shipping one' },
  'remote-runtime': { type: 'string', default: 'auto', choices: RUNTIME_MODES, describe: "auto: the host's node if it fits, else the single executable (npm run build:exe) | node | exe" },
  multiplex: { type: 'boolean', default: true, describe: '--no-multiplex: one SSH connection per command instead of a shared one per host' },
  'connect-timeout': { default: 10, describe: 'ssh ConnectTimeout, seconds' },
  'command-timeout': { default: 300, describe: 'bound on each preflight, staging, status and --check command, seconds' },
  'upgrade-timeout': { default: 3600, describe: "bound on one host's upgrade, seconds" },
  'reconnect-timeout': { default: 60, describe: "seconds to keep reconnecting to a host whose connection dropped during its upgrade (which goes on there, detached); then it is unknown (74)" },
  'pause-after-canary': { type: 'boolean', default: false, describe: 'stop once the canary passed its gate; the same command with --continue goes on' },
  continue: { type: 'boolean', default: false, describe: 'go on after --pause-after-canary stopped' },
  yes: { alias: 'y', type: 'boolean', default: false, describe: 'do not ask for confirmation (asked on a terminal before touching more than one host)' },
} as const satisfies OptionTable;

export const spec: CommandSpec = {
  name: 'rollout',
  synopsis: '<package> (--hosts a,b,c | --inventory FILE) [options]',
  about: 'rolling hot upgrade of a cluster over SSH',
  details: `Preflights every host (read-only), stages the package and the emqx wrapper on each, checks the
plan, then upgrades a canary and the rest in batches, each through a health gate; the first failure
halts. State is saved after every host: run the same command again to resume.`,
  options: OPTIONS,
  examples: [
    ['$0 emqx-5.0.2-el8-amd64.tar.gz --hosts emqx1,emqx2,emqx3 --dry-run', 'preflight the three hosts and print the plan; change nothing'],
    ["$0 emqx-5.0.2-el8-amd64.tar.gz --inventory fleet.txt \\\n    --batch 2 --check 'bin/emqx ctl status' --on-failure rollback-all", 'the canary, then two hosts at a time, each gated by the check; a failure takes every upgraded host back'],
    ['$0 emqx-5.0.1-el8-amd64.tar.gz --hosts emqx1,emqx2 --downgrade --json', 'go back to 5.0.1, JSON-lines progress on stdout'],
  ],
  exits: [
    [0, 'every host is at the target (or the dry run found nothing wrong)'],
    [64, 'bad command line, host, root or inventory line (an Ansible YAML syntax error names its line)'],
    [65, 'a package staged on a host has another checksum, the local .sha256 does not match the package, or the executable copied to a host does not match'],
    [66, 'the package, the inventory or the -F file does not exist, --group names nothing, or no executable fits a host without Node'],
    [69, 'a host is unreachable or its node is down (preflight, or later: the rollout halts there)'],
    [70, 'ROLLOUT_HALTED: an upgrade or a health gate failed; no further host was touched'],
    [71, 'ROLLED_BACK: an upgrade or gate failed and --on-failure took the hosts back to their old version, gated'],
    [72, 'ROLLBACK_FAILED: a host --on-failure tried to take back is not back (formerly 70)'],
    [73, 'not enough disk on a host, or it cannot be written'],
    [74, 'HOST_UNKNOWN: the connection to a host dropped during its upgrade and its end could not be read again'],
    [75, 'a host is locked by another upgrade (before or during the rollout)'],
    [76, 'REMOTE: a command on a host failed or printed something unusable (outside an upgrade)'],
    [78, 'the state file belongs to another rollout or no longer matches the hosts, a host has no upgrade path (NO_UPGRADE_PATH), or an inventory host has no address'],
    [79, 'INTERNAL: a bug in emqx-relup; report it with the command you ran (formerly 70)'],
    [130, 'interrupted (Ctrl-C, SIGTERM); state saved, run the same command to continue'],
  ],
};

export async function run(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const parsed = await parseCommand(spec, argv);
  if (parsed === null) return 0;
  const args = parsed as unknown as ArgumentsCamelCase<InferredOptionTypes<typeof OPTIONS>> & Parsed;

  const positional = args._.map(String);
  if (positional.length !== 1) throw usageError(positional.length === 0 ? 'missing the package to roll out' : `one package expected, got ${positional.join(' ')}`, seeHelp('rollout'));
  const hosts = await selectHosts({ hosts: args.hosts, inventory: args.inventory, group: args.group, root: args.root, limit: args.limit });
  const batch = parseBatch(String(args.batch));
  if (!batch) throw usageError(`--batch must be a positive integer or a percentage from 1% to 100%, got ${JSON.stringify(String(args.batch))}`, seeHelp('rollout'));
  if (args.remoteEmqx !== undefined && args.remoteEmqx.trim() === '') throw usageError('--remote-emqx needs a command', seeHelp('rollout'));
  const runtime = args.remoteRuntime as RuntimeMode;
  if (!RUNTIME_MODES.includes(runtime)) throw usageError(`--remote-runtime must be one of ${RUNTIME_MODES.join(', ')}, got ${JSON.stringify(args.remoteRuntime)}`, seeHelp('rollout'));
  const settle = Number(args.settle);
  if (!Number.isFinite(settle) || settle < 0) throw usageError(`--settle must be a number of seconds >= 0, got ${JSON.stringify(args.settle)}`, seeHelp('rollout'));
  const gateTimeout = Number(args.gateTimeout);
  if (!Number.isFinite(gateTimeout) || gateTimeout < 0) throw usageError(`--gate-timeout must be a number of seconds >= 0, got ${JSON.stringify(args.gateTimeout)}`, seeHelp('rollout'));
  const onFailure = args.onFailure as OnFailure;
  if (!ON_FAILURE.includes(onFailure)) throw usageError(`--on-failure must be one of ${ON_FAILURE.join(', ')}, got ${JSON.stringify(args.onFailure)}`, seeHelp('rollout'));
  const onFailureBad = onFailureProblem(onFailure, args.downgrade);
  if (onFailureBad) throw usageError(onFailureBad, 'drop --on-failure (halt) for a downgrade rollout');
  const opts: RolloutOptions = {
    packagePath: positional[0]!,
    hosts,
    batch: batchSize(batch, hosts.length),
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
    pauseAfterCanary: args.pauseAfterCanary,
    continued: args.continue,
    gateTimeoutMs: gateTimeout * 1000,
    onFailure,
    runtime: await runtimeOptions({ mode: runtime, node: args.remoteNode, timeoutMs: positiveInt('command-timeout', args.commandTimeout) * 1000, parallel: 8 }),
    reconnectMs: intOption('rollout', 'reconnect-timeout', args.reconnectTimeout, 0) * 1000,
  };
  const connectTimeoutSec = positiveInt('connect-timeout', args.connectTimeout);
  if (args.F !== undefined) await checkSshConfig(args.F);

  const { makeSshTransport } = await import('../rollout/ssh.js');
  const transport = makeSshTransport({ connectTimeoutSec, multiplex: args.multiplex, endpoints: sshEndpoints(hosts), ...(args.F !== undefined ? { configFile: args.F } : {}) });
  return runWith(opts, transport, json, args.yes);
}

/**
 * Runs a parsed rollout over `transport`: wires the progress display and the signals, prints the
 * report, returns the exit status. Separate from the parsing so a driver can run the real wiring
 * over another transport (test/helpers/rollout-display-driver.ts, in a real terminal).
 */
export async function runWith(opts: RolloutOptions, transport: Transport, json: boolean, yes = false): Promise<number> {
  const { rollout } = await import('../rollout/run.js');
  const live = displayMode({ stdoutTty: process.stdout.isTTY === true, progressTty: process.stderr.isTTY === true, term: process.env.TERM }) === 'live';
  const progress = json ? jsonProgress(process.stdout) : humanProgress(process.stderr, opts.hosts.map((h) => h.dest), { live });
  opts.confirm ??= {
    stdinIsTTY: process.stdin.isTTY === true,
    yes,
    async ask(question) {
      const { askYesNo } = await import('./confirm.js');
      const resume = progress.hold?.() ?? (() => {});
      try {
        return await askYesNo(process.stdin, process.stderr, `${PROG}: ${question}`);
      } finally {
        resume();
      }
    },
  };

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
  const t0 = Date.now();
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
  // Both on the terminal: the error line lands right below the report, which need not repeat it.
  else process.stdout.write(reportText(report, { elapsedMs: Date.now() - t0, errorBelow: process.stdout.isTTY === true && process.stderr.isTTY === true }));
  if (report.error) {
    // Remote output quoted in the message may carry escape sequences; a terminal gets them inert.
    return reportError(PROG, new RelupError(report.error.code as RelupError['code'], json ? report.error.message : printable(report.error.message)), json);
  }
  if (report.interrupted) {
    if (!json) process.stderr.write(`${PROG}: interrupted; re-run the same command to continue\n`);
    return EXIT_INTERRUPTED;
  }
  return 0;
}
