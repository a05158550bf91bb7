// A small option parser for the emqx-relup subcommands: `--name value`, `--name=value`, boolean
// flags, `--` ending options. Kept dependency-free so a subcommand starts fast.
import { usageError } from './report.js';

export type OptionSpec = Record<string, 'string' | 'boolean'>;

export interface Parsed {
  options: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parseArgs(argv: string[], spec: OptionSpec, command: string): Parsed {
  const options: Parsed['options'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      options.help = true;
      continue;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg !== '-') throw usageError(`unknown option ${arg} for ${command}`, `see 'emqx-relup ${command} --help'`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const kind = spec[name];
    if (kind === undefined) throw usageError(`unknown option --${name} for ${command}`, `see 'emqx-relup ${command} --help'`);
    if (kind === 'boolean') {
      if (eq !== -1) throw usageError(`--${name} takes no value`, `see 'emqx-relup ${command} --help'`);
      options[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      // `--out --json` is a forgotten value, not a directory called --json (use --out=--json for that).
      if (value?.startsWith('--')) value = undefined;
      i++;
    }
    if (value === undefined || value === '') throw usageError(`--${name} needs a value`, `see 'emqx-relup ${command} --help'`);
    if (options[name] !== undefined) throw usageError(`--${name} given twice`, `see 'emqx-relup ${command} --help'`);
    options[name] = value;
  }
  return { options, positionals };
}
