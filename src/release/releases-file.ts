// Reads `releases/RELEASES`, the Erlang term file release_handler keeps:
//   [{release,"emqx","5.0.1","13.1.5",[{kernel,"8.5.3","/path"},...],permanent}, ...].
// Anything but a list of release tuples is reported as a broken file, never guessed at.
import { join } from 'node:path';
import { RelupError } from '../errors.js';
import { type FsLike, readTextFile, realFs } from './fs.js';
import { parseErlangTerm, stringOf, TermSyntaxError, type Term } from './erlang-term.js';

export type ReleaseStatus = 'permanent' | 'current' | 'old' | 'unpacked' | string;

export interface ReleaseEntry {
  name: string;
  version: string;
  ertsVersion: string;
  status: ReleaseStatus;
}

/** Parses RELEASES text; CONFIG (78) naming `file` when it is not a list of release tuples. */
export function parseReleasesFile(text: string, file: string): ReleaseEntry[] {
  const bad = (why: string, details: Record<string, unknown> = {}) =>
    new RelupError('CONFIG', `${file} is not a valid RELEASES file: ${why}`, {
      hint: 'restore it from a backup (release_handler writes it); nothing was changed',
      details: { file, ...details },
    });
  let top: Term;
  try {
    top = parseErlangTerm(text);
  } catch (e) {
    if (!(e instanceof TermSyntaxError)) throw e;
    const line = text.slice(0, e.pos).split('\n').length;
    throw bad(`${e.message} at line ${line}`, { line });
  }
  if (top.t !== 'list' || top.tail !== undefined) throw bad('expected a list of releases');
  return top.items.map((item, i) => {
    const fields = item.t === 'tuple' ? item.items : [];
    const [tag, name, vsn, erts, , status] = fields;
    const entry = {
      name: stringOf(name),
      version: stringOf(vsn),
      ertsVersion: stringOf(erts),
      status: status?.t === 'atom' ? status.v : null,
    };
    if (tag?.t !== 'atom' || tag.v !== 'release' || fields.length < 6 || Object.values(entry).some((v) => v === null)) {
      throw bad(`entry ${i + 1} is not {release, Name, Vsn, ErtsVsn, Libs, Status}`, { entry: i + 1 });
    }
    return entry as ReleaseEntry;
  });
}

/**
 * The release the node runs as release_handler sees it: `current` (installed, not yet permanent),
 * else `permanent`; null when RELEASES lists neither.
 */
export function runningRelease(entries: readonly Pick<ReleaseEntry, 'version' | 'status'>[]): string | null {
  return entries.find((r) => r.status === 'current')?.version ?? entries.find((r) => r.status === 'permanent')?.version ?? null;
}

export const RELEASES_FILE = 'releases/RELEASES';

/** Reads `<root>/releases/RELEASES`. Errors: NOT_FOUND 66, PERMISSION 77, CONFIG 78. */
export function readReleasesFile(root: string, fs: FsLike = realFs): ReleaseEntry[] {
  const file = join(root, RELEASES_FILE);
  const text = readTextFile(fs, file, 'reading the list of releases');
  return parseReleasesFile(text, file);
}
