// `emqx-relup pack <input> [--out DIR] [--platform P] [--runner F] [--escript F] [--wrapper]
//  [--version V] [--edition E] [--level N] [--json]`
import { isVersion, type Edition } from '../version/index.js';
import { parseArgs } from './relup-args.js';
import { RelupError } from '../errors.js';
import { onOperatorSignals, signalExit } from '../signals.js';
import { makeReporter, reportError, usageError } from './report.js';

const HELP = `usage: emqx-relup pack <release.tar.gz | release-dir> [options]

Makes <out>/<emqx|emqx-enterprise>-<version>-<platform>.tar.gz whose first two members are
bin/emqx-<version> and bin/install_upgrade.escript-<version> (mode 0755), every other member kept
as it is, plus what EMQX's escript copies or unpacks (bin/emqx_ctl-<version>,
bin/nodetool-<version>, releases/<version>/<rel>.rel) when the release lacks them;
deterministic (SOURCE_DATE_EPOCH sets the mtime), plus <package>.sha256.

options:
  --out DIR         output directory (default: the current directory)
  --platform P      platform part of the name, e.g. ubuntu22.04-amd64 (default: the input
                    name's, else this machine's; EMQX's runner only finds
                    <base>-<version>-<platform>.tar.gz)
  --runner FILE     use FILE as bin/emqx-<version> (default: the release's bin/emqx)
  --escript FILE    use FILE as bin/install_upgrade.escript-<version>
  --wrapper         refused: EMQX's escript copies bin/emqx-<version> over bin/emqx on a
                    permanent install, so it must be the release's own runner
  --version V       the release's version, checked against the release (without V: print
                    the version of emqx-relup)
  --edition E       community or enterprise, checked against releases/emqx_vars
  --level N         gzip level 1-9 (default 6)
  --json            print {package, sha256, version, edition, ...} as JSON
`;

const SPEC = {
  out: 'string',
  platform: 'string',
  runner: 'string',
  escript: 'string',
  wrapper: 'boolean',
  version: 'string',
  edition: 'string',
  level: 'string',
  json: 'boolean',
  help: 'boolean',
} as const;

export async function run(argv: string[]): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, SPEC, 'pack');
  if (o.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const json = o.json === true;
  if (positionals.length !== 1) throw usageError(positionals.length === 0 ? 'pack needs the release to pack' : `pack takes one input, got ${positionals.length}`, "see 'emqx-relup pack --help'");
  const version = o.version as string | undefined;
  if (version !== undefined && !isVersion(version)) throw usageError(`--version ${JSON.stringify(version)} is not a SemVer version`);
  const edition = o.edition as string | undefined;
  if (edition !== undefined && edition !== 'community' && edition !== 'enterprise') throw usageError(`--edition must be community or enterprise, not ${JSON.stringify(edition)}`);
  const levelText = o.level as string | undefined;
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

