// The emqx-relup commands: where each one's module is. A module exports `spec` (its options,
// help, examples and exit codes: see relup-parse.ts) and `run`, and is loaded only when named.
import type { CommandSpec } from './relup-parse.js';

export interface CommandModule {
  spec: CommandSpec;
  /** `all` gives every command's spec, for the one command that needs them (completion), so that it need not import this list. */
  run(argv: string[], all: { specs(): Promise<CommandSpec[]> }): Promise<number>;
}

export const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  pack: () => import('./relup-pack.js'),
  inspect: () => import('./relup-inspect.js'),
  rollout: () => import('./relup-rollout.js'),
  status: () => import('./relup-status.js'),
  completion: () => import('./relup-completion.js'),
};

export const COMMAND_NAMES = Object.keys(COMMANDS);

/** Exit codes every command shares; each command's help lists its own. */
export const COMMON_EXITS: CommandSpec['exits'] = [
  [0, 'done'],
  [64, 'bad command line: unknown command or option, missing or bad value'],
  [79, 'internal error: a bug, report it with the command you ran'],
];

export async function loadSpecs(): Promise<CommandSpec[]> {
  return Promise.all(COMMAND_NAMES.map(async (n) => (await COMMANDS[n]!()).spec));
}
