// Pure parsing of the wrapper's command line. The wrapper's own options are removed wherever
// they stand in a hot-upgrade command and never reach a script; a passed-through command
// (start, stop, ctl, ...) keeps everything after its name untouched.
import { RelupError } from '../errors.js';
import { isRelupCommand, type RelupCommand } from '../plan.js';

export interface WrapperArgs {
  root: string | null;
  package: string | null;
  dryRun: boolean;
  json: boolean;
  requireChecksum: boolean;
  status: boolean;
  help: boolean;
  /** Null when only options were given. */
  command: string | null;
  relup: { command: RelupCommand; target: string | null; passArgs: string[] } | null;
  /** Arguments after a passed-through command, untouched. */
  rest: string[];
}

const FLAGS: Record<string, keyof Pick<WrapperArgs, 'dryRun' | 'json' | 'requireChecksum' | 'status' | 'help'>> = {
  '--dry-run': 'dryRun',
  '--json': 'json',
  '--require-checksum': 'requireChecksum',
  '--status': 'status',
  '--help': 'help',
  '-h': 'help',
};
const VALUED: Record<string, 'root' | 'package'> = { '--root': 'root', '--package': 'package' };

function usage(message: string): RelupError {
  return new RelupError('USAGE', message, { hint: "run 'emqx --help'" });
}

/** Consumes argv[i] if it is a wrapper option; returns how many words it took (0 if none). */
function takeOption(a: WrapperArgs, argv: readonly string[], i: number): number {
  const word = argv[i]!;
  const flag = FLAGS[word];
  if (flag) {
    a[flag] = true;
    return 1;
  }
  const eq = word.indexOf('=');
  const name = eq > 0 ? word.slice(0, eq) : word;
  const key = VALUED[name];
  if (!key) return 0;
  const value = eq > 0 ? word.slice(eq + 1) : argv[i + 1];
  if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) throw usage(`${name} needs a value`);
  if (a[key] !== null) throw usage(`${name} given twice`);
  a[key] = value;
  return eq > 0 ? 1 : 2;
}

export function parseWrapperArgs(argv: readonly string[]): WrapperArgs {
  const a: WrapperArgs = {
    root: null,
    package: null,
    dryRun: false,
    json: false,
    requireChecksum: false,
    status: false,
    help: false,
    command: null,
    relup: null,
    rest: [],
  };
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('-')) {
    const n = takeOption(a, argv, i);
    if (n === 0) throw usage(`unknown option ${JSON.stringify(argv[i])} before the command`);
    i += n;
  }
  if (i >= argv.length) return a;
  const command = argv[i++]!;
  a.command = command;
  if (!isRelupCommand(command)) {
    a.rest = argv.slice(i);
    return a;
  }
  const positional: string[] = [];
  const passArgs: string[] = [];
  let optionsEnded = false;
  while (i < argv.length) {
    const word = argv[i]!;
    if (!optionsEnded && word === '--') {
      optionsEnded = true;
      i++;
      continue;
    }
    const n = optionsEnded ? 0 : takeOption(a, argv, i);
    if (n > 0) {
      i += n;
      continue;
    }
    // The target is the first word that is not an option; everything else belongs to the escript.
    if (positional.length === 0 && command !== 'versions' && !word.startsWith('-')) positional.push(word);
    else passArgs.push(word);
    i++;
  }
  const target = positional[0] ?? null;
  if (command !== 'versions' && target === null) {
    throw usage(`'${command}' needs a target version, e.g. 'emqx ${command} 5.0.1'`);
  }
  a.relup = { command, target, passArgs };
  return a;
}

export const WRAPPER_HELP = `usage: emqx [wrapper options] <command> [args]

Hot-upgrade commands (EIP-0022: run by the scripts of the newest of current and target version):
  emqx upgrade <target> [--no-permanent]   unpack, install and make permanent
  emqx unpack <target>                     unpack only
  emqx install <target> [--no-permanent]   install an unpacked release
  emqx downgrade <target>                  go back to an older release (with the newer scripts)
  emqx uninstall <target>                  remove an old release
  emqx versions                            list releases (current version's escript)
<target>: 5.0.1, v5.0.1, emqx-5.0.1, emqx-enterprise-5.0.1, or a package file name or path.

Every other command (start, stop, ping, ctl, ...) is handed unchanged to <root>/bin/emqx.

Wrapper options (never passed to a script):
  --root DIR            installation root (else $EMQX_ROOT, $RUNNER_ROOT_DIR, own location, /usr/lib/emqx)
  --package FILE        the package to take the newest scripts from
  --require-checksum    refuse a package without a <package>.sha256 sidecar
  --dry-run             do every check and print the plan; change nothing
  --json                machine-readable plan, status and errors
  --status              print root, versions, edition, node and lock state; change nothing
  -h, --help            this text
`;
