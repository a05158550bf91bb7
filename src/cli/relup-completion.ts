// `emqx-relup completion [bash|zsh]`: prints the shell completion script for emqx-relup, made
// from every command's option table.
import { completionScript, pickShell, SHELLS, type CompletionSpec } from './completion.js';
import { COMMAND_NAMES, loadSpecs } from './relup-commands.js';
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

export async function relupCompletionSpec(): Promise<CompletionSpec> {
  const specs = await loadSpecs();
  const commands = specs.map(completionOf);
  commands.push({ name: 'help', options: [], args: COMMAND_NAMES });
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

export async function run(argv: string[]): Promise<number> {
  const o = await parseCommand(spec, argv);
  if (o === null) return 0;
  const shell = pickShell(o._, process.env);
  if (typeof shell !== 'string') throw usageError(shell.error, "see 'emqx-relup completion --help'");
  process.stdout.write(completionScript(await relupCompletionSpec(), shell));
  return 0;
}
