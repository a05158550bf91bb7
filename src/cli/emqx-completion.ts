// `emqx completion [bash|zsh]`: the wrapper's completion script, made from its own option tables
// (emqx-args.ts) and commands (plan.ts), plus the runner commands it hands on. No yargs: this
// is part of the one-file wrapper.
import { TARGET_COMMANDS } from '../plan.js';
import { completionScript, pickShell, SHELLS, type CompletionOption, type CompletionSpec } from './completion.js';
import { ESCRIPT_OPTIONS, VALUED_OPTIONS, WRAPPER_OPTIONS } from './emqx-args.js';
import { usageError } from './report.js';

/** EMQX 5's runner commands (bin/emqx), which the wrapper hands on unchanged. */
export const RUNNER_COMMANDS = ['start', 'stop', 'restart', 'console', 'foreground', 'ping', 'pid', 'ctl', 'remote', 'eval', 'check_config', 'root_dir', 'escript'] as const;

const opt = (name: string): CompletionOption => ({ name, value: VALUED_OPTIONS.includes(name) });

export function emqxCompletionSpec(): CompletionSpec {
  const wrapper = [...WRAPPER_OPTIONS, '--help', '-h', '--version'].map(opt);
  // After a handed-on command only these are the wrapper's (emqx-args.ts refuses the others).
  const afterRunnerCommand = ['--root', '--dry-run', '--json'].map(opt);
  return {
    prog: 'emqx',
    global: wrapper,
    commands: [
      ...TARGET_COMMANDS.map((name) => ({ name, options: [...wrapper, ...ESCRIPT_OPTIONS.map(opt)] })),
      { name: 'versions', options: wrapper },
      ...RUNNER_COMMANDS.map((name) => ({ name, options: afterRunnerCommand })),
      { name: 'completion', options: [], args: SHELLS },
    ],
  };
}

export function emqxCompletion(args: readonly string[], env: NodeJS.ProcessEnv): string {
  const shell = pickShell(args, env);
  if (typeof shell !== 'string') throw usageError(shell.error, "run 'emqx completion bash' or 'emqx completion zsh'");
  return completionScript(emqxCompletionSpec(), shell);
}
