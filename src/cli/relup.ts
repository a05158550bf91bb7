// `emqx-relup <subcommand>`: release-side and fleet tooling. Each subcommand lives in its own
// module, loaded only when named, so one subcommand's dependencies never slow another.
import { reportError, usageError } from './report.js';
import { toolVersion } from './tool-version.js';

type SubcommandModule = { run(argv: string[]): Promise<number> };

const subcommands: Record<string, { about: string; load: () => Promise<SubcommandModule> }> = {
  pack: { about: 'make a package that carries bin/emqx-<v> and bin/install_upgrade.escript-<v> first', load: () => import('./relup-pack.js') },
  inspect: { about: 'check a package for everything emqx upgrade and release_handler need', load: () => import('./relup-inspect.js') },
  rollout: { about: 'rolling hot upgrade of a cluster over SSH', load: () => import('./relup-rollout.js') },
  status: { about: "every host's version, RELEASES, node, lock and staged packages over SSH (read-only)", load: () => import('./relup-status.js') },
};

function help(): string {
  const lines = ['usage: emqx-relup <command> [options]', '', 'commands:'];
  for (const [name, { about }] of Object.entries(subcommands)) lines.push(`  ${name.padEnd(9)} ${about}`);
  lines.push('', "run 'emqx-relup <command> --help' for a command's options; --version prints the version");
  return lines.join('\n');
}

/**
 * `emqx-relup <command> --version`, options before `--` only. pack has its own `--version V`
 * (the release's version, checked), so there only a `--version` without a value asks for ours.
 */
function asksVersion(name: string, rest: readonly string[]): boolean {
  const end = rest.indexOf('--');
  const opts = end === -1 ? rest : rest.slice(0, end);
  return opts.some((w, i) => w === '--version' && (name !== 'pack' || opts[i + 1] === undefined || opts[i + 1]!.startsWith('--')));
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name === undefined ? 64 : 0;
  }
  if (name === '--version' || (Object.hasOwn(subcommands, name) && asksVersion(name, rest))) {
    // Answered here, before the subcommand's module (yargs, execa, tar-stream) is loaded.
    process.stdout.write(toolVersion() + '\n');
    return 0;
  }
  const sub = subcommands[name];
  if (!sub) return reportError('emqx-relup', usageError(`unknown command ${JSON.stringify(name)}`, "run 'emqx-relup --help'"), argv.includes('--json'));
  try {
    return await (await sub.load()).run(rest);
  } catch (e) {
    return reportError(`emqx-relup ${name}`, e, rest.includes('--json'));
  }
}
