// One parser and one help style for every emqx-relup command: yargs, configured here once and
// fed each command's spec — an option table (plain data, yargs' own option format), its
// examples and its exit codes. The same table makes the command's help and its shell
// completion, so an option added to a command's table is parsed, documented and completed.
// yargs is imported only when a command line is really parsed or a help is printed.
import type { Options } from 'yargs';
import type { CompletionCommand, CompletionOption } from './completion.js';
import { nearest } from './nearest.js';
import { usageError } from './report.js';

/** yargs options; `describe` is required: every option shows in the help. */
export type OptionTable = Record<string, Options & { describe: string }>;

export interface CommandSpec {
  name: string;
  /** What follows `emqx-relup <name>` in the usage line. */
  synopsis: string;
  /** One line, for the list of commands. */
  about: string;
  /** A paragraph under the usage line of the command's help. */
  details: string;
  options: OptionTable;
  /** Two or three real invocations, with what each does. */
  examples: readonly (readonly [string, string])[];
  /** Every exit status the command can return, with its meaning. */
  exits: readonly (readonly [number | string, string])[];
  /** Words the shell completes for the arguments (none: file names). */
  args?: readonly string[];
}

/** What a command gets: the options by name (and camelCase), `_` the positional arguments. */
export type Parsed = { _: string[] } & Record<string, unknown>;

const HELP_OPTION = { alias: 'h', type: 'boolean', describe: 'show this help' } as const;

const dashed = (key: string): string => (key.length === 1 ? `-${key}` : `--${key}`);
/** The hint of a usage error: the command's own help. */
export const seeHelp = (name: string): string => `see 'emqx-relup ${name} --help'`;

interface Known {
  key: string;
  value: boolean;
}

/** Every spelling the command line may use: --name, its aliases, --no-name for a boolean. */
function spellings(options: OptionTable): Map<string, Known> {
  const m = new Map<string, Known>();
  for (const [key, o] of Object.entries({ ...options, help: HELP_OPTION as Options })) {
    const value = o.type !== 'boolean';
    const aliases = o.alias === undefined ? [] : Array.isArray(o.alias) ? o.alias : [o.alias as string];
    for (const k of [key, ...aliases]) m.set(dashed(k), { key, value });
    if (!value) m.set(`--no-${key}`, { key, value });
  }
  return m;
}

const looksLikeOption = (w: string): boolean => w.startsWith('-') && w !== '-' && !/^-\d/.test(w);

/**
 * What yargs would accept or word badly, refused first with one clear line: an unknown option
 * (named with its dashes, with a near spelling), a value given to a flag (yargs reads
 * `--json=yes` as false), a missing or empty value, the same option twice (yargs makes an
 * array, or keeps the last). Only option words before `--` are looked at.
 */
export function checkWords(spec: CommandSpec, argv: readonly string[]): void {
  const known = spellings(spec.options);
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '--') return;
    if (!looksLikeOption(w)) continue;
    const eq = w.startsWith('--') ? w.indexOf('=') : -1;
    const name = eq > 0 ? w.slice(0, eq) : w;
    const o = known.get(name);
    if (!o) {
      const near = name.startsWith('--') ? nearest(name, [...known.keys()].filter((k) => k.startsWith('--'))) : null;
      throw usageError(`unknown option ${name} for ${spec.name}${near ? ` (did you mean ${near}?)` : ''}`, seeHelp(spec.name));
    }
    if (!o.value) {
      if (eq > 0) throw usageError(`${name} takes no value`, seeHelp(spec.name));
      continue;
    }
    let value: string | undefined = eq > 0 ? w.slice(eq + 1) : argv[i + 1];
    if (eq < 0) {
      i++;
      // `--out --json` is a forgotten value, not a directory called --json (--out=--json is).
      if (value !== undefined && looksLikeOption(value)) value = undefined;
    }
    if (value === undefined || value === '') throw usageError(`${name} needs a value`, seeHelp(spec.name));
    if (seen.has(o.key)) throw usageError(`${name} given twice`, seeHelp(spec.name));
    seen.add(o.key);
  }
}

function help(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * Examples and exit codes, below the options. Written out here rather than by yargs' example(),
 * whose two columns wrap a long command line in the middle: a command is shown whole, to copy.
 */
function epilog(prog: string, examples: CommandSpec['examples'], exits: CommandSpec['exits']): string {
  const w = Math.max(...exits.map(([c]) => String(c).length));
  return [
    'Examples:',
    ...examples.flatMap(([cmd, what]) => [`  ${cmd.replaceAll('$0', prog)}`, `      ${what.replaceAll('$0', prog)}`]),
    '',
    'Exit codes:',
    ...exits.map(([c, what]) => `  ${String(c).padEnd(w)}  ${what}`),
  ].join('\n');
}

const width = (): number => Math.min(100, process.stdout.columns || 100);

async function commandParser(spec: CommandSpec, argv: readonly string[]) {
  const { default: yargs } = await import('yargs');
  const options: Record<string, Options> = { help: HELP_OPTION };
  for (const [k, { choices: _, ...o }] of Object.entries(spec.options)) {
    // A value-taking option always takes one word: yargs otherwise reads `--out` alone as "".
    // `choices` only feeds the completion: the command checks the value with its own line.
    options[k] = o.type === 'boolean' ? o : { requiresArg: true, ...o };
  }
  return yargs([...argv])
    .scriptName(`emqx-relup ${spec.name}`)
    .usage(`$0 ${spec.synopsis}\n\n${spec.details}`)
    .parserConfiguration({
      'camel-case-expansion': true,
      'dot-notation': false,
      'parse-positional-numbers': false,
      'short-option-groups': false,
      'duplicate-arguments-array': false,
    })
    .version(false)
    .help(false)
    .strictOptions()
    .exitProcess(false)
    .showHelpOnFail(false)
    .wrap(width())
    .options(options)
    .epilog(epilog(`emqx-relup ${spec.name}`, spec.examples, spec.exits))
    .fail((msg, err) => {
      // checkWords has refused what we know of; this is yargs' own wording of the rest.
      throw err ?? usageError(msg, seeHelp(spec.name));
    });
}

/**
 * Parses a command's words; null when it printed the help (exit 0). Every refusal is a
 * RelupError USAGE (64) whose line names the option and ends with where to look.
 */
export async function parseCommand(spec: CommandSpec, argv: readonly string[]): Promise<Parsed | null> {
  checkWords(spec, argv);
  const y = await commandParser(spec, argv);
  const args = (await y.parseAsync()) as Record<string, unknown> & { _: (string | number)[] };
  if (args.help === true) {
    process.stdout.write(help(await y.getHelp()));
    return null;
  }
  return { ...args, _: args._.map(String) };
}

/** `emqx-relup --help`: the commands, in the same style as each command's help. */
export async function topHelp(specs: readonly CommandSpec[], exits: CommandSpec['exits']): Promise<string> {
  const { default: yargs } = await import('yargs');
  let y = yargs([])
    .scriptName('emqx-relup')
    .usage('$0 <command> [options]\n\nRelease-side and fleet tooling for EMQX hot upgrades (EIP-0022).')
    .version(false)
    .help(false)
    .wrap(width())
    .options({ help: HELP_OPTION, version: { type: 'boolean', describe: "print emqx-relup's version" } });
  for (const s of specs) y = y.command(s.name, s.about);
  const examples = [
    ['$0 help rollout', "rollout's options, examples and exit codes (the same as: $0 rollout --help)"],
    ['source <($0 completion bash)', 'Tab completion of emqx-relup in this bash (zsh: completion zsh)'],
  ] as const;
  return help(await y.epilog(epilog('emqx-relup', examples, exits)).getHelp());
}

/** A command's options as the completion scripts need them; --no-x only where x is on by default. */
export function completionOf(spec: CommandSpec): CompletionCommand {
  const options: CompletionOption[] = [];
  for (const [key, o] of Object.entries({ ...spec.options, help: HELP_OPTION as Options })) {
    const value = o.type !== 'boolean';
    const aliases = o.alias === undefined ? [] : Array.isArray(o.alias) ? o.alias : [o.alias as string];
    const choices = o.choices as readonly string[] | undefined;
    for (const k of [key, ...aliases]) options.push({ name: dashed(k), value, ...(choices ? { choices } : {}) });
    if (!value && o.default === true) options.push({ name: `--no-${key}`, value });
  }
  return { name: spec.name, options, ...(spec.args ? { args: spec.args } : {}) };
}

/** An option's value that must be an integer >= min; the line quotes what was typed. */
export function intOption(command: string, name: string, v: unknown, min = 1): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < min) {
    throw usageError(`--${name} must be an integer >= ${min}, got ${typeof v === 'number' ? v : JSON.stringify(v)}`, seeHelp(command));
  }
  return n;
}
