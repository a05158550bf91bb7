// The few synchronous fs calls the release readers make, as an interface so unit tests can hand in
// a memfs volume. Reads are synchronous: they are small files read once per run.
import * as nodeFs from 'node:fs';
import { RelupError, fromFsError } from '../errors.js';

export interface FsLike {
  readFileSync(path: string, encoding: 'utf8'): string;
  statSync(path: string): { isFile(): boolean; isDirectory(): boolean };
  readdirSync(path: string): string[];
  realpathSync(path: string): string;
  readlinkSync(path: string): string;
}

export const realFs: FsLike = nodeFs as unknown as FsLike;

/** Environment as handed in by the caller (never read from process.env here). */
export type Env = Readonly<Record<string, string | undefined>>;

/** The errno code of an fs error, if any. */
export function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Stat that says "absent" (null) for ENOENT/ENOTDIR and throws anything else (EACCES, EIO...). */
export function statOrNull(fs: FsLike, path: string): { isFile(): boolean; isDirectory(): boolean } | null {
  try {
    return fs.statSync(path);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

/** Directory entries, or [] when the directory does not exist. */
export function readdirOrEmpty(fs: FsLike, path: string): string[] {
  try {
    return fs.readdirSync(path).map(String);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw e;
  }
}

/** Reads a small text file; fs errors become RelupErrors (66/77, a directory 78) naming `path`. */
export function readTextFile(fs: FsLike, path: string, doing: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'EISDIR') {
      throw new RelupError('CONFIG', `${path} is a directory, not a file (while ${doing})`, {
        hint: 'pass --root with the right EMQX directory',
        details: { file: path },
      });
    }
    const err = fromFsError(e, path, doing);
    // Files of the installation: when one is missing, the likely mistake is the root.
    if (err.code === 'NOT_FOUND') {
      throw new RelupError('NOT_FOUND', err.message, { hint: 'pass --root with the right EMQX directory', details: { file: path }, cause: e });
    }
    throw err;
  }
}
