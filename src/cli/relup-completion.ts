// `emqx-relup completion [bash|zsh]`: prints the shell completion script for emqx-relup, made
// from every command's option table. The specs come from the caller (relup.ts), since the list of
// commands (relup-commands.ts) holds this one too.
import { completionScript, pickShell, SHELLS, type CompletionSpec } from './completion.js';
import { completionOf, parseCommand, type CommandSpec } from './relup-parse.js';
import { usageError } from './report.js';

export const spec: CommandSpec = {
  name: 'completion',
  synopsis: '[bash|zsh]',
  about: 'print the shell completion script (bash or zsh) for emqx-relup',
  details: `Prints a script that completes emqx-relup's commands, options and their fixed values in bash or
zsh; other values complete as file names. Without a shell named, the one in $SHELL. The emqx
wrapper prints its own: emqx completion bash.`,
  options: {},
  examples: [
    ['source <($0 bash)', 'complete emqx-relup in this bash (add the line to ~/.bashrc to keep it)'],
    ['$0 bash > /etc/bash_completion.d/emqx-relup', 'for every bash on the machine (bash-completion installed)'],
    ['source <($0 zsh)', 'complete emqx-relup in this zsh (in ~/.zshrc, after compinit)'],
  ],
  exits: [
    [0, 'the script was printed'],
    [64, 'bad command line: an unknown shell, or none named and $SHELL is neither bash nor zsh'],
  ],
  args: SHELLS,
};

/** The completion of emqx-relup, given every command's spec (this one's among them). */
export function relupCompletionSpec(specs: readonly CommandSpec[]): CompletionSpec {
  const commands = specs.map(completionOf);
  commands.push({ name: 'help', options: [], args: specs.map((s) => s.name) });
  return {
    prog: 'emqx-relup',
    global: [
      { name: '--help', value: false },
      { name: '-h', value: false },
      { name: '--version', value: false },
    ],
    commands,
  };
}

export async function run(argv: string[], all: { specs(): Promise<CommandSpec[]> }): Promise<number> {
  const o = await parseCommand(spec, argv);
  if (o === null) return 0;
  const shell = pickShell(o._, process.env);
  if (typeof shell !== 'string') throw usageError(shell.error, "see 'emqx-relup completion --help'");
  process.stdout.write(completionScript(relupCompletionSpec(await all.specs()), shell));
  return 0;
}
