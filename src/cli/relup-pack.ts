// `emqx-relup pack <input> [options]`: options, examples and exit codes in `spec` below.
import { isVersion, type Edition } from '../version/index.js';
import { parseCommand, type CommandSpec } from './relup-parse.js';
import { RelupError } from '../errors.js';
import { onOperatorSignals, signalExit } from '../signals.js';
import { makeReporter, reportError, usageError } from './report.js';

export const spec: CommandSpec = {
  name: 'pack',
  synopsis: '<release.tar.gz | release-dir> [options]',
  about: 'make a package that carries bin/emqx-<v> and bin/install_upgrade.escript-<v> first',
  details: `Makes <out>/<emqx|emqx-enterprise>-<version>-<platform>.tar.gz whose first two members are
bin/emqx-<version> and bin/install_upgrade.escript-<version> (mode 0755), every other member kept
as it is, plus what EMQX's escript copies or unpacks (bin/emqx_ctl-<version>,
bin/nodetool-<version>, releases/<version>/<rel>.rel) when the release lacks them; deterministic
(SOURCE_DATE_EPOCH sets the mtime), plus <package>.sha256. Prints the package's path.`,
  options: {
    out: { type: 'string', describe: 'output directory (default: the current directory)' },
    platform: { type: 'string', describe: "platform part of the name, e.g. ubuntu22.04-amd64 (default: the input name's, else this machine's; EMQX's runner only finds <base>-<version>-<platform>.tar.gz)" },
    runner: { type: 'string', describe: "use FILE as bin/emqx-<version> (default: the release's bin/emqx)" },
    escript: { type: 'string', describe: 'use FILE as bin/install_upgrade.escript-<version>' },
    wrapper: { type: 'boolean', describe: "refused: EMQX's escript copies bin/emqx-<version> over bin/emqx on a permanent install, so it must be the release's own runner" },
    version: { type: 'string', describe: "the release's version, checked against the release (without a value: print emqx-relup's version)" },
    edition: { type: 'string', choices: ['community', 'enterprise'], describe: 'community or enterprise, checked against releases/emqx_vars' },
    level: { describe: 'gzip level 1-9 (default 6)' },
    json: { type: 'boolean', describe: 'print {package, sha256, version, edition, ...} as JSON' },
  },
  examples: [
    ['$0 _build/emqx/rel/emqx/emqx-5.0.1.tar.gz --out dist', 'package a relx release into dist/ (platform from this machine)'],
    ['$0 emqx-5.0.1-el8-amd64.tar.gz --out /srv/packages --json', 'repack an EMQX package for emqx upgrade; the result as JSON'],
    ['SOURCE_DATE_EPOCH=1700000000 $0 rel/ --platform debian12-arm64 --version 5.0.1', 'from a release directory, reproducibly, checking its version'],
  ],
  exits: [
    [0, 'the package and its .sha256 were written'],
    [64, 'bad command line; --wrapper or a wrapper as --runner; --out inside the release'],
    [65, 'the release is incomplete or malformed (no releases/<v>/, no .rel, bad scripts or names)'],
    [66, 'the input or the output directory does not exist'],
    [73, 'the package cannot be written (disk full, read-only)'],
    [77, 'permission denied'],
    [78, 'the edition or version disagrees with the release'],
    ['128+N', 'interrupted by signal N; nothing was written'],
  ],
};

export async function run(argv: string[]): Promise<number> {
  const o = await parseCommand(spec, argv);
  if (o === null) return 0;
  const positionals = o._;
  const json = o.json === true;
  if (positionals.length !== 1) throw usageError(positionals.length === 0 ? 'pack needs the release to pack' : `pack takes one input, got ${positionals.length}`, "see 'emqx-relup pack --help'");
  const version = o.version as string | undefined;
  if (version !== undefined && !isVersion(version)) throw usageError(`--version ${JSON.stringify(version)} is not a SemVer version`);
  const edition = o.edition as string | undefined;
  if (edition !== undefined && edition !== 'community' && edition !== 'enterprise') throw usageError(`--edition must be community or enterprise, not ${JSON.stringify(edition)}`);
  const levelText = o.level === undefined ? undefined : String(o.level);
  if (levelText !== undefined && !/^[1-9]$/.test(levelText)) throw usageError(`--level must be 1-9, not ${JSON.stringify(levelText)}`);
  const reporter = makeReporter('emqx-relup pack', json);
  const { pack } = await import('../release-tools/pack.js');
  // An interrupt stops the pass and removes the temporaries before exiting 128+signal.
  const abort = new AbortController();
  const dispose = onOperatorSignals((sig) => abort.abort(sig));
  let result;
  try {
    result = await pack({
      signal: abort.signal,
      input: positionals[0]!,
      outDir: o.out as string | undefined,
      platform: o.platform as string | undefined,
      runner: o.runner as string | undefined,
      escript: o.escript as string | undefined,
      wrapper: o.wrapper === true,
      version,
      edition: edition as Edition | undefined,
      level: levelText === undefined ? undefined : Number(levelText),
    });
  } catch (e) {
    if (!abort.signal.aborted) throw e;
    const sig = abort.signal.reason as NodeJS.Signals;
    return reportError('emqx-relup pack', new RelupError('INTERRUPTED', `interrupted by ${sig}; no package was written`, { hint: 'run pack again', exitCode: signalExit(sig) }), json);
  } finally {
    dispose();
  }
  for (const w of result.warnings) reporter.warn(w);
  if (json) {
    process.stdout.write(
      JSON.stringify({
        package: result.package,
        sha256: result.sha256,
        version: result.version,
        edition: result.edition,
        platform: result.platform,
        sidecar: result.sidecar,
        entries: result.entries,
        runnerFrom: result.runnerFrom,
        escriptFrom: result.escriptFrom,
        warnings: reporter.warnings,
      }) + '\n',
    );
  } else {
    process.stdout.write(`${result.package}\n`);
  }
  return 0;
}

