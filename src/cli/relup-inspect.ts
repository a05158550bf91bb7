// `emqx-relup inspect <package> [--json]`: prints what the package holds and every problem that
// would make emqx upgrade or release_handler fail; exits 65 when there is one (a CI gate).
import { Exit } from '../errors.js';
import type { InspectReport } from '../release-tools/inspect.js';
import { parseCommand, type CommandSpec } from './relup-parse.js';
import { usageError } from './report.js';

export const spec: CommandSpec = {
  name: 'inspect',
  synopsis: '<package.tar.gz> [options]',
  about: 'check a package for everything emqx upgrade and release_handler need',
  details: `Prints the edition, version and platform from the name, the versioned scripts (position, size,
mode), the .rel and releases/<version>/ found, the upgrade paths of releases/<version>/relup
(the versions it upgrades from and downgrades to; --json: relup: {upFrom, downTo}), the sha256 and whether <package>.sha256 matches, and
every problem found, including what EMQX's own install_upgrade.escript would miss (the .rel it
unpacks by, the versioned emqx_ctl and nodetool it copies, a wrapper as the runner). Warnings (a
name EMQX's own runner will not find) do not fail.`,
  options: {
    json: { type: 'boolean', describe: 'print the whole report as one JSON object' },
  },
  examples: [
    ['$0 emqx-5.0.1-ubuntu22.04-amd64.tar.gz', 'what the package holds and every problem in it'],
    ['$0 emqx-5.0.1-el8-amd64.tar.gz --json | jq .problems', 'the problems as JSON, e.g. for a CI gate'],
  ],
  exits: [
    [0, 'no problem (warnings do not count)'],
    [64, 'bad command line'],
    [65, 'the package has at least one problem'],
    [66, 'the package does not exist'],
    [77, 'the package cannot be read (permission)'],
  ],
};

export function formatReport(r: InspectReport): string {
  const lines: string[] = [];
  const script = (label: string, s: InspectReport['scripts']['runner']): string =>
    s ? `${label}: ${s.name} (member ${s.position}, ${s.size} bytes, ${s.type} ${s.mode})` : `${label}: missing`;
  lines.push(`package:  ${r.file}`);
  lines.push(r.name ? `name:     ${r.name.edition} ${r.name.version}${r.name.platform ? ` on ${r.name.platform}` : ''}` : 'name:     not a package name');
  lines.push(`members:  ${r.entries}`);
  lines.push(script('runner ', r.scripts.runner));
  lines.push(script('escript', r.scripts.escript));
  lines.push(`release:  ${r.release.dir ?? 'releases/<version>/ missing'}, ${r.release.rel ? `${r.release.rel} (${r.release.relName} ${r.release.relVersion})` : 'no .rel'}`);
  if (r.release.edition) lines.push(`edition:  ${r.release.edition} (releases/emqx_vars)`);
  lines.push(
    r.relup
      ? `relup:    up from ${r.relup.upFrom.join(', ') || 'no version'}; down to ${r.relup.downTo.join(', ') || 'no version'} (member ${r.relup.member})`
      : 'relup:    none (no hot upgrade path)',
  );
  lines.push(`sha256:   ${r.sha256}`);
  lines.push(`sidecar:  ${!r.sidecar.present ? 'none' : r.sidecar.matches ? 'matches' : 'does not match'}`);
  for (const w of r.warnings) lines.push(`warning:  [${w.code}] ${w.message}`);
  if (r.problems.length === 0) lines.push('problems: none');
  else {
    lines.push(`problems: ${r.problems.length}`);
    for (const p of r.problems) lines.push(`  - [${p.code}] ${p.message}`);
  }
  return lines.join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  const o = await parseCommand(spec, argv);
  if (o === null) return 0;
  const positionals = o._;
  if (positionals.length !== 1) throw usageError(positionals.length === 0 ? 'inspect needs a package file' : `inspect takes one package, got ${positionals.length}`, "see 'emqx-relup inspect --help'");
  const { inspect } = await import('../release-tools/inspect.js');
  const report = await inspect(positionals[0]!);
  process.stdout.write(o.json === true ? JSON.stringify(report) + '\n' : formatReport(report));
  return report.problems.length === 0 ? 0 : Exit.dataErr;
}
