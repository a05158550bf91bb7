// `emqx-relup <command>`: release-side and fleet tooling. Each command lives in its own module
// (relup-commands.ts), loaded only when named, so one command's dependencies never slow another;
// all of them parse and print help through relup-parse.ts (yargs), so they read alike.
import { COMMAND_NAMES, COMMANDS, COMMON_EXITS, loadSpecs } from './relup-commands.js';
import { nearest } from './nearest.js';
import { reportError, usageError } from './report.js';
import { toolVersion } from '../tool-version.js';

/**
 * `emqx-relup <command> --version`, options before `--` only. pack has its own `--version V`
 * (the release's version, checked), so there only a `--version` without a value asks for ours.
 */
function asksVersion(name: string, rest: readonly string[]): boolean {
  const end = rest.indexOf('--');
  const opts = end === -1 ? rest : rest.slice(0, end);
  return opts.some((w, i) => w === '--version' && (name !== 'pack' || opts[i + 1] === undefined || opts[i + 1]!.startsWith('--')));
}

function unknownCommand(name: string) {
  const near = nearest(name, [...COMMAND_NAMES, 'help']);
  return usageError(`unknown command ${JSON.stringify(name)}${near ? ` (did you mean ${near}?)` : ''}`, `commands: ${[...COMMAND_NAMES, 'help'].join(', ')}`);
}

async function topHelp(): Promise<string> {
  const { topHelp: render } = await import('./relup-parse.js');
  return render(await loadSpecs(), COMMON_EXITS);
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const json = argv.includes('--json');
  try {
    if (name === undefined) throw usageError('no command given', `commands: ${COMMAND_NAMES.join(', ')}; run 'emqx-relup --help'`);
    if (name === '--version' || (Object.hasOwn(COMMANDS, name) && asksVersion(name, rest))) {
      // Answered here, before the command's module (yargs, execa, tar-stream) is loaded.
      process.stdout.write(toolVersion() + '\n');
      return 0;
    }
    if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
      process.stdout.write(await topHelp());
      return 0;
    }
    if (name === 'help') {
      // `emqx-relup help <command>` is `emqx-relup <command> --help`, word for word.
      if (rest.length > 1) throw usageError(`help takes one command, got ${rest.length} words`, "run 'emqx-relup help <command>'");
      if (rest[0] === 'help') {
        process.stdout.write(await topHelp());
        return 0;
      }
      if (!Object.hasOwn(COMMANDS, rest[0]!)) throw unknownCommand(rest[0]!);
      return await (await COMMANDS[rest[0]!]!()).run(['--help'], { specs: loadSpecs });
    }
    if (name.startsWith('-')) throw usageError(`${name} before the command`, `put options after it: 'emqx-relup <command> ${name}'; commands: ${COMMAND_NAMES.join(', ')}`);
    if (!Object.hasOwn(COMMANDS, name)) throw unknownCommand(name);
    return await (await COMMANDS[name]!()).run(rest, { specs: loadSpecs });
  } catch (e) {
    return reportError(name !== undefined && Object.hasOwn(COMMANDS, name) ? `emqx-relup ${name}` : 'emqx-relup', e, json);
  }
}
