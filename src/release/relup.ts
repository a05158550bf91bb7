// A release's upgrade paths: `releases/<v>/relup`, the term systools:make_relup writes,
//   {Vsn, [{UpFrom, Descr, Instrs}, ...], [{DownTo, Descr, Instrs}, ...]}.
// release_handler installs <v> over a running <c> only when <v>'s relup has <c> as an UpFrom, or
// the running <c>'s relup has <v> as a DownTo; everything else it finds out after unpacking.
import { join } from 'node:path';
import { RelupError, type ErrorCode } from '../errors.js';
import { lineAt, parseErlangTerm, stringOf, TermSyntaxError } from './erlang-term.js';
import { errnoCode, type FsLike, readTextFile, realFs } from './fs.js';
import { relupMember } from './script-names.js';

export interface Relup {
  /** The release the relup leads to (and from, going down). */
  version: string;
  /** Versions it upgrades from, in file order. */
  upFrom: string[];
  /** Versions it downgrades to, in file order. */
  downTo: string[];
}

/** What was found where a relup should be: the paths, no file, or why it could not be read. */
export type RelupFact = { kind: 'found'; relup: Relup; file: string } | { kind: 'absent'; file: string } | { kind: 'error'; error: RelupError };


/**
 * Parses relup text. `what` names it in messages (a path, or a member of a package); a file that
 * is not a relup is `code` (BAD_PACKAGE for a package's, CONFIG for an installed release's).
 */
export function parseRelup(text: string, what: string, code: ErrorCode, hint: string): Relup {
  const bad = (why: string) => new RelupError(code, `${what} is not a valid relup: ${why}`, { hint, details: { relup: what } });
  let top;
  try {
    top = parseErlangTerm(text);
  } catch (e) {
    if (!(e instanceof TermSyntaxError)) throw e;
    throw bad(`${e.message} at line ${lineAt(text, e.pos)}`);
  }
  const [vsn, up, down] = top.t === 'tuple' ? top.items : [];
  const version = stringOf(vsn);
  if (top.t !== 'tuple' || top.items.length !== 3 || version === null || up?.t !== 'list' || down?.t !== 'list') {
    throw bad('expected {Vsn, [{UpFrom, Descr, Instructions}], [{DownTo, Descr, Instructions}]}');
  }
  const versions = (list: typeof up, side: string): string[] =>
    list.items.map((item, i) => {
      const v = item.t === 'tuple' && item.items.length === 3 ? stringOf(item.items[0]) : null;
      if (v === null) throw bad(`${side} entry ${i + 1} is not {Vsn, Descr, Instructions}`);
      return v;
    });
  return { version, upFrom: versions(up, 'upgrade'), downTo: versions(down, 'downgrade') };
}

/** The relup of an installed release, `<root>/releases/<version>/relup`, as a fact (absent when there is none). */
export function readInstalledRelup(root: string, version: string, fs: FsLike = realFs): RelupFact {
  const file = join(root, relupMember(version));
  try {
    const text = readTextFile(fs, file, 'reading the upgrade paths');
    return { kind: 'found', file, relup: parseRelup(text, file, 'CONFIG', 'the installed release is damaged: restore the file from its package; nothing was changed') };
  } catch (e) {
    const cause = e instanceof RelupError ? (e as Error).cause : e;
    if (e instanceof RelupError && e.code === 'NOT_FOUND' && ['ENOENT', 'ENOTDIR'].includes(errnoCode(cause) ?? '')) return { kind: 'absent', file };
    if (e instanceof RelupError) return { kind: 'error', error: e };
    throw e;
  }
}
