// Pure parsing of the wrapper's command line. The wrapper's own options are removed wherever
// they stand and never reach a script or the runner: in a hot-upgrade command they are taken,
// the known escript options kept and anything else refused; after a passed-through command
// (start, stop, ctl, ...) only the wrapper's own option names are intercepted (honoured or
// refused), every other word goes to <root>/bin/emqx unchanged. After `--` nothing is taken.
import type { RelupError } from '../errors.js';
import { isRelupCommand, type RelupCommand } from '../plan.js';
import { nearest } from './nearest.js';
import { usageError } from './report.js';

export interface WrapperArgs {
  root: string | null;
  package: string | null;
  dryRun: boolean;
  json: boolean;
  requireChecksum: boolean;
  /** --allow-patches: hot-upgrade with .beam files in <data_dir>/patches. */
  allowPatches: boolean;
  status: boolean;
  help: boolean;
  /** `--version`: print the tool's version. */
  version: boolean;
  /** Null when only options were given. */
  command: string | null;
  relup: { command: RelupCommand; target: string | null; passArgs: string[] } | null;
  /** Arguments after a passed-through command, without the wrapper's options and the first `--`. */
  rest: string[];
  /** `--detach=ID` / `--follow=ID` (and the detached process's own `--detached-run=ID`): process/detached-run.ts. */
  run: { mode: RunMode; id: string } | null;
}

export type RunMode = 'detach' | 'follow' | 'detached-run';
/** Front options only, `=ID` form only: they never reach a runner or a script. */
const RUN_OPTIONS: Record<string, RunMode> = { '--detach': 'detach', '--follow': 'follow', '--detached-run': 'detached-run' };

type Flag = keyof Pick<WrapperArgs, 'dryRun' | 'json' | 'requireChecksum' | 'allowPatches' | 'status' | 'help' | 'version'>;
const FLAGS: Record<string, Flag> = {
  '--dry-run': 'dryRun',
  '--json': 'json',
  '--require-checksum': 'requireChecksum',
  '--allow-patches': 'allowPatches',
  '--status': 'status',
  '--help': 'help',
  '-h': 'help',
  '--version': 'version',
};
const VALUED: Record<string, 'root' | 'package'> = { '--root': 'root', '--package': 'package' };
/** The wrapper's options that take a value. */
export const VALUED_OPTIONS: readonly string[] = Object.keys(VALUED);

/** The escript options we know; they pass through to install_upgrade.escript. */
export const ESCRIPT_OPTIONS: readonly string[] = ['--no-permanent'];
/** The wrapper's own options that are intercepted even after a passed-through command. */
export const WRAPPER_OPTIONS: readonly string[] = ['--root', '--package', '--require-checksum', '--allow-patches', '--dry-run', '--json', '--status'];
// Meaningless for a passed-through command: refused rather than silently dropped or handed on.
const NOT_FOR_PASSTHROUGH = new Set(['--package', '--require-checksum', '--allow-patches', '--status']);

const HELP_HINT = "run 'emqx --help'";

function optionName(word: string): string {
  const eq = word.indexOf('=');
  return word.startsWith('--') && eq > 0 ? word.slice(0, eq) : word;
}

function unknownOption(word: string, where: string, known: readonly string[], after: string): RelupError {
  const best = nearest(optionName(word), known);
  const guess = best ? ` (did you mean ${best}?)` : '';
  return usageError(`unknown option ${JSON.stringify(word)} ${where}${guess}`, `known: ${known.join(', ')}${after}`);
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
  if (eq > 0 && FLAGS[name]) throw usageError(`${name} takes no value`, HELP_HINT);
  const mode = RUN_OPTIONS[name];
  if (mode) {
    if (eq < 0 || eq === word.length - 1) throw usageError(`${name} needs a run id: ${name}=ID`, HELP_HINT);
    if (a.run !== null) throw usageError(`only one of --detach, --follow`, HELP_HINT);
    a.run = { mode, id: word.slice(eq + 1) };
    return 1;
  }
  const key = VALUED[name];
  if (!key) return 0;
  const value = eq > 0 ? word.slice(eq + 1) : argv[i + 1];
  if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) throw usageError(`${name} needs a value`, HELP_HINT);
  if (a[key] !== null) throw usageError(`${name} given twice`, HELP_HINT);
  a[key] = value;
  return eq > 0 ? 1 : 2;
}

const isOptionWord = (w: string): boolean => w.length > 1 && w.startsWith('-');

export function parseWrapperArgs(argv: readonly string[]): WrapperArgs {
  const a: WrapperArgs = {
    root: null,
    package: null,
    dryRun: false,
    json: false,
    requireChecksum: false,
    allowPatches: false,
    status: false,
    help: false,
    version: false,
    command: null,
    relup: null,
    rest: [],
    run: null,
  };
  const frontKnown = [...WRAPPER_OPTIONS, '--help', '--version'];
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('-')) {
    const n = takeOption(a, argv, i);
    if (n === 0) throw unknownOption(argv[i]!, 'before the command', frontKnown, "; run 'emqx --help'");
    i += n;
  }
  if (i >= argv.length) return a;
  const command = argv[i++]!;
  a.command = command;
  if (!isRelupCommand(command)) {
    parsePassthrough(a, argv, i, command);
    return a;
  }
  const positional: string[] = [];
  const passArgs: string[] = [];
  while (i < argv.length) {
    const word = argv[i]!;
    if (word === '--') {
      // Verbatim to the script; a newer wrapper we hand over to gets them after -- again.
      passArgs.push(...argv.slice(i + 1));
      break;
    }
    const n = takeOption(a, argv, i);
    if (n > 0) {
      i += n;
      continue;
    }
    if (isOptionWord(word)) {
      // A typo such as --no-permanet must not reach the escript after the scripts were extracted.
      if (!ESCRIPT_OPTIONS.includes(word)) throw unknownOption(word, `for '${command}'`, [...ESCRIPT_OPTIONS, ...frontKnown], '; put arguments meant for the escript after --');
      passArgs.push(word);
    } else if (command === 'versions') {
      throw usageError(`'versions' takes no target, got ${JSON.stringify(word)}`, "run 'emqx versions'");
    } else if (positional.length > 0) {
      throw usageError(`'${command}' takes one target, got ${JSON.stringify(positional[0])} and ${JSON.stringify(word)}`, `run 'emqx ${command} <target>' once per target`);
    } else positional.push(word);
    i++;
  }
  const target = positional[0] ?? null;
  if (command !== 'versions' && target === null && !a.help && !a.version) {
    throw usageError(`'${command}' needs a target version, e.g. 'emqx ${command} 5.0.1'`, HELP_HINT);
  }
  a.relup = { command, target, passArgs };
  return a;
}

/**
 * After a passed-through command only the wrapper's own option names are looked at: --root and
 * --dry-run (with --json) are honoured, the others mean nothing there and are refused. The first
 * `--` ends this and is dropped; everything after it, and every other word, goes on unchanged.
 */
function parsePassthrough(a: WrapperArgs, argv: readonly string[], start: number, command: string): void {
  let jsonAfter = false;
  for (let i = start; i < argv.length; ) {
    const word = argv[i]!;
    if (word === '--') {
      a.rest.push(...argv.slice(i + 1));
      break;
    }
    const name = optionName(word);
    if (!WRAPPER_OPTIONS.includes(name)) {
      a.rest.push(word);
      i++;
      continue;
    }
    if (NOT_FOR_PASSTHROUGH.has(name)) {
      throw usageError(`${name} means nothing for '${command}', which goes to <root>/bin/emqx`, `drop it, or hand it on after --: 'emqx ${command} -- ${word}'`);
    }
    if (name === '--json') jsonAfter = true;
    i += takeOption(a, argv, i);
  }
  // Alone, a trailing --json would only reshape the wrapper's own errors while the runner prints
  // text: someone who meant the runner's --json would be silently surprised.
  if (jsonAfter && !a.dryRun) {
    throw usageError(`--json after '${command}' is the wrapper's own and only goes with --dry-run`, `add --dry-run, or hand it on after --: 'emqx ${command} -- --json'`);
  }
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

Every other command (start, stop, ping, ctl, ...) is handed unchanged to <root>/bin/emqx,
except the wrapper options below: after such a command --root and --dry-run [--json] are
honoured, --package, --require-checksum, --allow-patches, --status and a lone --json are refused. Words after --
are handed on verbatim (emqx ctl -- --json).

Known escript options (hot-upgrade commands): --no-permanent; any other option is refused.

  emqx completion [bash|zsh]               print the shell completion script for emqx (the
                                           wrapper's own command: not handed on)

Wrapper options (never passed to a script):
  --root DIR            installation root (else $EMQX_ROOT, $RUNNER_ROOT_DIR, own location, /usr/lib/emqx)
  --package FILE        the package to take the newest scripts from
  --require-checksum    refuse a package without a <package>.sha256 sidecar
  --allow-patches       install, upgrade or downgrade even with hot patches (.beam files) in
                        <data_dir>/patches, which are otherwise refused
  --dry-run             do every check and print the plan; change nothing
  --json                machine-readable plan, status and errors
  --status              print root, versions, edition, node and lock state; change nothing
  --detach=ID           run the command detached from this session (its log and exit status in
                        <root>/log/emqx-relup-runs/ID.*) and follow it while stdin is open
  --follow=ID           follow run ID again (after a lost connection): its log, then how it ended
  -h, --help            this text
  --version             print the version of emqx-relup

Examples:
  emqx --root /opt/emqx --dry-run upgrade 5.0.2
      every check and the plan for a hot upgrade to 5.0.2; nothing changed
  emqx --package /tmp/emqx-5.0.2-el8-amd64.tar.gz --require-checksum upgrade 5.0.2
      hot upgrade with the scripts of that package, refused without its .sha256
  source <(emqx completion bash)
      Tab completion of emqx in this bash (zsh: emqx completion zsh)

Exit codes (docs/exit-codes.md): 0 done, or the handed-over script's own status; 64 bad command
line or target; 65 bad package or checksum; 66 package, root or file missing; 69 node down;
70 a refused second hand-over, a runner that is the wrapper or a failed nodetool; 73 cannot
write; 75 locked by another run, or the package replaced during the run; 77 permission denied;
78 configuration (emqx_vars, edition, ambiguous packages, no upgrade path, a cookie that is not
the node's, hot patches); 79 internal error (a bug); 128+N the handed-over script was killed by
signal N.
`;
