// Where the EMQX installation is. Order (contract): --root, EMQX_ROOT, RUNNER_ROOT_DIR, the
// wrapper's own location when it sits in `<root>/bin/`, /usr/lib/emqx. An explicit choice (flag
// or variable) is final: if it is wrong we say so rather than silently using another install.
// The wrapper's own location is only a guess, so it is used only when it holds an installation
// (an npm-installed wrapper lives in some node_modules/.../bin/, which is not one).
import { versionFromRunnerFile } from './script-names.js';
import { basename, dirname, join, resolve } from 'node:path';
import { RelupError, fromFsError } from '../errors.js';
import { type Env, type FsLike, errnoCode, realFs } from './fs.js';
import { EMQX_VARS } from './vars.js';

export const DEFAULT_ROOT = '/usr/lib/emqx';

export type RootSource = '--root' | 'EMQX_ROOT' | 'RUNNER_ROOT_DIR' | 'wrapper location' | 'default';

export interface RootChoice {
  /** Absolute directory. */
  dir: string;
  source: RootSource;
  /** Where to look next if `dir` holds no installation; only set for guesses. */
  orElse: RootChoice | null;
}

export interface SelfPath {
  /** The path the wrapper was invoked by (argv[1]), made absolute; may be a symlink. */
  invoked: string;
  /** Symlinks passed through between `invoked` and `real`, in order (absolute, not resolved). */
  links?: string[];
  /** The same with every symlink resolved. */
  real: string;
}

export interface ChooseRootInput {
  flag?: string | null;
  env?: Env;
  self?: SelfPath | null;
  /** Base for a relative --root or variable; the caller passes process.cwd(). */
  cwd: string;
}

/** Pure: the ordered choice of root directories, without looking at the disk. */
export function chooseRoot({ flag, env = {}, self, cwd }: ChooseRootInput): RootChoice {
  const explicit = (dir: string, source: RootSource): RootChoice => ({ dir: resolve(cwd, dir), source, orElse: null });
  if (flag) return explicit(flag, '--root');
  if (env.EMQX_ROOT) return explicit(env.EMQX_ROOT, 'EMQX_ROOT');
  if (env.RUNNER_ROOT_DIR) return explicit(env.RUNNER_ROOT_DIR, 'RUNNER_ROOT_DIR');
  let choice: RootChoice = { dir: DEFAULT_ROOT, source: 'default', orElse: null };
  // Real location first (a /usr/bin/emqx symlink into <root>/bin/), then back along the links to
  // the invoked one (a <root>/bin/emqx-<v> symlink to a wrapper kept elsewhere).
  const paths = self ? [self.real, ...(self.links ?? []).slice().reverse(), self.invoked] : [];
  const guesses = [...new Set(paths.map(rootOfBinFile).filter((d): d is string => d !== null))];
  for (const dir of guesses.reverse()) choice = { dir, source: 'wrapper location', orElse: choice };
  return choice;
}

/** `<root>` when `file` is `<root>/bin/<name>`, else null. */
export function rootOfBinFile(file: string): string | null {
  const bin = dirname(resolve(file));
  return basename(bin) === 'bin' && dirname(bin) !== bin ? dirname(bin) : null;
}

/** The version in an invoked script name `emqx-<v>`; null for plain `emqx` or anything else. */
export const versionFromScriptName = versionFromRunnerFile;

/** Resolves the invoked script path, hop by hop; `real` stays `invoked` if it cannot be resolved. */
export function selfPath(invoked: string, cwd: string, fs: FsLike = realFs): SelfPath {
  const abs = resolve(cwd, invoked);
  const links: string[] = [];
  let real = abs;
  try {
    for (let p = abs, hops = 0; hops < 40; hops++) {
      let target: string;
      try {
        target = fs.readlinkSync(p);
      } catch (e) {
        if (errnoCode(e) === 'EINVAL') break; // not a link: the end of the chain
        throw e;
      }
      p = resolve(dirname(p), target);
      links.push(p);
    }
    real = fs.realpathSync(abs);
  } catch {
    // A script being run exists; if it vanished meanwhile, its name is all we can use.
  }
  if (links.at(-1) === real) links.pop();
  return { invoked: abs, links, real };
}

export interface FoundRoot {
  root: string;
  source: RootSource;
  /** Guessed directories passed over because they hold no installation. */
  skipped: string[];
}

/** Follows a RootChoice to the first directory with releases/emqx_vars; errors name --root. */
export function findRoot(choice: RootChoice, fs: FsLike = realFs): FoundRoot {
  const skipped: string[] = [];
  for (let c: RootChoice | null = choice; c; c = c.orElse) {
    const vars = join(c.dir, EMQX_VARS);
    let isFile: boolean;
    try {
      isFile = fs.statSync(vars).isFile();
    } catch (e) {
      const code = errnoCode(e);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw withSource(fromFsError(e, vars, 'looking for the installation'), c);
      isFile = false;
    }
    if (isFile) return { root: c.dir, source: c.source, skipped };
    if (!c.orElse) {
      const from = c.source === 'default' ? 'the default' : `from ${c.source}`;
      throw new RelupError('NOT_FOUND', `no EMQX installation at ${c.dir} (${from}): ${EMQX_VARS} is missing`, {
        hint: 'pass --root DIR (or set EMQX_ROOT) to the directory holding bin/ and releases/',
        details: { root: c.dir, source: c.source, skipped },
      });
    }
    skipped.push(c.dir);
  }
  throw new Error('unreachable');
}

function withSource(e: RelupError, c: RootChoice): RelupError {
  return new RelupError(e.code, `${e.message}; root ${c.dir} from ${c.source}`, {
    hint: e.code === 'PERMISSION' ? 'run as the user that owns the installation, or pass --root DIR' : 'pass --root DIR to the EMQX installation',
    details: { root: c.dir, source: c.source },
    cause: e,
  });
}
