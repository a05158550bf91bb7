// Command-line options of `npm run bench` and the package parameters they select. Pure.
import type { GenParams } from './generate.js';

export interface Options {
  quick: boolean;
  /** Interleaved rounds of the extraction/inflate measurements. */
  rounds: number;
  /** Spawns per round of each cold-start case. */
  coldRuns: number;
  /** Extractions of the big package (memory). 0 skips it. */
  bigRounds: number;
  /** Rounds of pack vs gzip. 0 skips them. */
  packRounds: number;
  /** Rounds of the rollout measurements. 0 skips them. */
  rolloutRounds: number;
  /** `--rollout`: only the rollout measurements (no packages generated). */
  rolloutOnly: boolean;
  out: string | null;
  cacheDir: string | null;
  /** Measured commands run under `chrt -r 1` (root only): steadier figures on a shared machine. */
  rt: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--rounds N] [--cold-runs N] [--big-rounds N] [--pack-rounds N]
                        [--rollout] [--rollout-rounds N] [--out FILE] [--cache-dir DIR] [--rt]
  --quick        small packages (10 MB, and 100 MB for memory), one round, fleets of 1 and 8
                 hosts instead of 1, 8 and 32: a smoke run
  --rollout      only the rollout measurements (loopback sshd fleet, ssh loop, ansible-playbook)
  --rollout-rounds N  rounds of the rollout measurements (default 3; 0 skips them)
  --rounds N     interleaved rounds of the extraction measurements (default 5)
  --out FILE     where to write the JSON results (default: under the cache directory)
  --cache-dir D  where generated packages are kept (default: $XDG_CACHE_HOME/emqx-relup-bench,
                 else <tmpdir>/emqx-relup-bench)
  --rt           run every measured command under \`chrt -r 1\` (root): on a shared machine this
                 measures as if it were otherwise idle; other work there waits meanwhile`;

function count(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min) throw new Error(`${name} needs an integer >= ${min}`);
  return n;
}

export function parseOptions(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const o: Options = {
    quick,
    rounds: quick ? 1 : 5,
    coldRuns: quick ? 10 : 20,
    bigRounds: quick ? 1 : 2,
    packRounds: quick ? 1 : 3,
    rolloutRounds: quick ? 1 : 3,
    rolloutOnly: false,
    out: null,
    cacheDir: null,
    rt: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string | undefined => argv[++i];
    switch (a) {
      case '--quick':
        break;
      case '--rt':
        o.rt = true;
        break;
      case '--rollout':
        o.rolloutOnly = true;
        break;
      case '--rollout-rounds':
        o.rolloutRounds = count(a, value(), 0);
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      case '--rounds':
        o.rounds = count(a, value(), 1);
        break;
      case '--cold-runs':
        o.coldRuns = count(a, value(), 1);
        break;
      case '--big-rounds':
        o.bigRounds = count(a, value(), 0);
        break;
      case '--pack-rounds':
        o.packRounds = count(a, value(), 0);
        break;
      case '--out':
        o.out = value() ?? null;
        if (!o.out) throw new Error('--out needs a file name');
        break;
      case '--cache-dir':
        o.cacheDir = value() ?? null;
        if (!o.cacheDir) throw new Error('--cache-dir needs a directory');
        break;
      default:
        throw new Error(`unknown option ${a}`);
    }
  }
  if (o.rolloutOnly && o.rolloutRounds === 0) throw new Error('--rollout with --rollout-rounds 0 would measure nothing');
  return o;
}

/** The packages of a full run (~100 MB, ~5000 files; ~1 GB for memory) or of a quick one. */
export function genParams(quick: boolean): GenParams {
  const common = { seed: 2022, version: '5.0.1', ertsVersion: '12.3.2', platform: 'ubuntu22.04-amd64', ratio: 2.75, bigLevel: 1 };
  return quick
    ? { ...common, gzBytes: 10e6, fileCount: 800, longPaths: 20, bigCopies: 8 }
    : { ...common, gzBytes: 100e6, fileCount: 5000, longPaths: 120, bigCopies: 8 };
}
