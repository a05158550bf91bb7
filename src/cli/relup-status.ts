
import { DEFAULT_ROOT, selectHosts, sshEndpoints } from '../rollout/inventory.js';
import { RUNTIME_MODES, prepareRuntimes, runtimeOptions, type RuntimeMode } from '../rollout/runtime.js';
import { reportError, usageError } from './report.js';
import type { ArgumentsCamelCase, InferredOptionTypes } from 'yargs';
import { intOption, parseCommand, seeHelp, type CommandSpec, type OptionTable, type Parsed } from './relup-parse.js';

const PROG = 'emqx-relup status';

export const OPTIONS = {
  hosts: { type: 'string', describe: 'SSH destinations, comma separated' },
  inventory: { type: 'string', describe: 'file: one host per line (optional release root after it, # comments), or an Ansible INI/YAML inventory' },
  group: { type: 'string', describe: 'Ansible inventory: the group or pattern to read (default all), e.g. emqx or emqx:!canary' },
  limit: { type: 'string', describe: 'only these hosts of the inventory, comma separated' },
  root: { type: 'string', default: DEFAULT_ROOT, describe: 'release root on the hosts (inventory lines may override)' },
  json: { type: 'boolean', default: false, describe: 'one JSON object on stdout: {ok, hosts: [{host, root, running, status, error}]}' },
  F: { type: 'string', describe: 'ssh_config file passed to ssh' },
  'remote-node': { type: 'string', default: 'node', describe: 'node binary on the hosts that runs the shipped emqx wrapper' },
  'remote-runtime': { type: 'string', default: 'auto', choices: RUNTIME_MODES, describe: "auto: the host's node if it fits, else the single executable (npm run build:exe) | node | exe" },
  'remote-emqx': { type: 'string', describe: 'use this emqx wrapper command installed on the hosts instead' },
  parallel: { default: 8, describe: 'hosts read at the same time' },
  'connect-timeout': { default: 10, describe: 'ssh ConnectTimeout, seconds' },
  'command-timeout': { default: 60, describe: "bound on each host's status query, seconds" },
} as const satisfies OptionTable;

export const spec: CommandSpec = {
  name: 'status',
  synopsis: '(--hosts a,b,c | --inventory FILE) [options]',
  about: "every host's version, RELEASES, node, lock and staged packages over SSH (read-only)",
  details: "Each host's version, RELEASES, node, lock and staged packages; changes nothing, needs no package.",
  options: OPTIONS,
  examples: [
    ['$0 --inventory cluster.txt', 'one line per host'],
    ['$0 --inventory cluster.txt --limit node2,node3 --json | jq .hosts[].running', 'two hosts, as JSON'],
    ['$0 --inventory production.yml --group emqx:!canary', 'the hosts of an Ansible inventory group'],
  ],
  exits: [
    [0, 'every host answered'],
    [64, 'bad command line, host list or inventory line (an Ansible YAML syntax error names its line)'],
    [66, 'the inventory does not exist, --group names nothing, or a host has no node (nor an executable for it) or no root'],
    [78, 'an inventory host has no address'],
    [69, 'a host is unreachable (the first unreadable host decides the code)'],
  ],
};

const positiveInt = (name: string, v: unknown): number => intOption('status', name, v);

export async function run(argv: string[]): Promise<number> {
  const parsed = await parseCommand(spec, argv);
  if (parsed === null) return 0;
  const args = parsed as unknown as ArgumentsCamelCase<InferredOptionTypes<typeof OPTIONS>> & Parsed;
  if (args._.length > 0) throw usageError(`status takes no package or other argument, got ${args._.map(String).join(' ')}`, seeHelp('status'));
  const hosts = await selectHosts({ hosts: args.hosts, inventory: args.inventory, group: args.group, root: args.root, limit: args.limit });
  if (args.remoteEmqx !== undefined && args.remoteEmqx.trim() === '') throw usageError('--remote-emqx needs a command', seeHelp('status'));
  const runtime = args.remoteRuntime as RuntimeMode;
  if (!RUNTIME_MODES.includes(runtime)) throw usageError(`--remote-runtime must be one of ${RUNTIME_MODES.join(', ')}, got ${JSON.stringify(args.remoteRuntime)}`, seeHelp('status'));
  const parallel = positiveInt('parallel', args.parallel);
  const timeoutMs = positiveInt('command-timeout', args.commandTimeout) * 1000;
  const connectTimeoutSec = positiveInt('connect-timeout', args.connectTimeout);

  const [{ fleetStatus, fleetError, formatFleetStatus }, { resolveRemote }, { makeSshTransport }] = await Promise.all([
    import('../rollout/fleet-status.js'),
    import('../rollout/run.js'),
    import('../rollout/ssh.js'),
  ]);
  const emqx = await resolveRemote(args.remoteEmqx !== undefined ? { kind: 'installed', command: args.remoteEmqx } : { kind: 'shipped', node: args.remoteNode });
  // One command per host: a shared connection would only add a round trip.
  const transport = makeSshTransport({ connectTimeoutSec, multiplex: false, endpoints: sshEndpoints(hosts), ...(args.F !== undefined ? { configFile: args.F } : {}) });
  let f;
  try {
    // The same choice as the rollout's: a host without a fitting node is read with the executable.
    const driven = emqx.kind === 'shipped' ? await prepareRuntimes(transport, hosts, await runtimeOptions({ mode: runtime, node: args.remoteNode, timeoutMs, parallel })) : hosts;
    f = await fleetStatus(transport, driven, emqx, { timeoutMs, parallel });
  } finally {
    await transport.close();
  }
  process.stdout.write(args.json ? JSON.stringify(f) + '\n' : formatFleetStatus(f));
  const e = fleetError(f);
  return e ? reportError(PROG, e, args.json) : 0;
}
