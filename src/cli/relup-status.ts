// `emqx-relup status (--hosts a,b,c | --inventory FILE) [--limit ...] [--json]`: the fleet at a
// glance, read-only, no package needed. Parses options, wires the transport, prints.
import { RelupError } from '../errors.js';
import { DEFAULT_ROOT, selectHosts } from '../rollout/inventory.js';
import { reportError, usageError } from './report.js';

const PROG = 'emqx-relup status';

function positiveInt(name: string, v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--${name} must be an integer >= 1, got ${JSON.stringify(v)}`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const { default: yargs } = await import('yargs');
  const args = await yargs(argv)
    .scriptName(PROG)
    .usage('$0 (--hosts a,b,c | --inventory FILE) [options]\n\nEach host\'s version, RELEASES, node, lock and staged packages; changes nothing.')
    .strictOptions()
    .strictCommands()
    .version(false)
    .parserConfiguration({ 'camel-case-expansion': true })
    .option('hosts', { type: 'string', describe: 'SSH destinations, comma separated' })
    .option('inventory', { type: 'string', describe: 'file: one host per line, optional release root after it, # comments' })
    .option('limit', { type: 'string', describe: 'only these hosts of the inventory, comma separated' })
    .option('root', { type: 'string', default: DEFAULT_ROOT, describe: 'release root on the hosts (inventory lines may override)' })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object on stdout: {ok, hosts: [{host, root, running, status, error}]}' })
    .option('F', { type: 'string', describe: 'ssh_config file passed to ssh' })
    .option('remote-node', { type: 'string', default: 'node', describe: 'node binary on the hosts that runs the shipped emqx wrapper' })
    .option('remote-emqx', { type: 'string', describe: 'use this emqx wrapper command installed on the hosts instead' })
    .option('parallel', { type: 'number', default: 8, describe: 'hosts read at the same time' })
    .option('connect-timeout', { type: 'number', default: 10, describe: 'ssh ConnectTimeout, seconds' })
    .option('command-timeout', { type: 'number', default: 60, describe: 'bound on each host\'s status query, seconds' })
    .example('$0 --inventory cluster.txt', 'one line per host')
    .example('$0 --inventory cluster.txt --limit node2,node3 --json | jq .hosts[].running', 'two hosts, as JSON')
    .epilog('exit: 0 every host answered; 64 bad input; else the first unreadable host\'s code (69 unreachable, 66 no node or root, ...)')
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
  if (args.help) return 0;
  if (args._.length > 0) throw usageError(`status takes no package or other argument, got ${args._.map(String).join(' ')}`);
  const hosts = await selectHosts({ hosts: args.hosts, inventory: args.inventory, root: args.root, limit: args.limit });
  if (args.remoteEmqx !== undefined && args.remoteEmqx.trim() === '') throw usageError('--remote-emqx needs a command');
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
  const transport = makeSshTransport({ connectTimeoutSec, multiplex: false, ...(args.F !== undefined ? { configFile: args.F } : {}) });
  let f;
  try {
    f = await fleetStatus(transport, hosts, emqx, { timeoutMs, parallel });
  } finally {
    await transport.close();
  }
  process.stdout.write(args.json ? JSON.stringify(f) + '\n' : formatFleetStatus(f));
  const e = fleetError(f);
  return e ? reportError(PROG, e, args.json) : 0;
}
