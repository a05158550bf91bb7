// Reads a release as a stream of members, whatever it is: a .tar.gz made by relx,
// systools:make_tar or GNU tar, or an unpacked release directory. One pass, constant memory: each
// member's body must be consumed before the next member is asked for.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fromFsError, RelupError } from '../errors.js';
import { scanTarGz } from '../package/scan.js';

export interface InputEntry {
  name: string;
  /** tar-stream's type names: file, directory, symlink, link, character-device, fifo, ... */
  type: string;
  mode: number;
  size: number;
  linkname: string | null;
  /** The contents of a regular file; null for every other type. */
  body: AsyncIterable<Buffer> | null;
}

/** Read size for files of a release directory. */
export const READ_CHUNK = 1 << 20;

export type InputKind = 'tarball' | 'directory';

/** A directory is read as a release tree; anything else must be a .tar.gz (the scan says if not). */
export async function inputKind(path: string): Promise<InputKind> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new RelupError('NOT_FOUND', `${path} does not exist`, { hint: 'give a release package (.tar.gz) or an unpacked release directory' });
    throw fromFsError(e, path, 'reading the input');
  }
  if (st.isDirectory()) return 'directory';
  if (!st.isFile()) throw new RelupError('BAD_PACKAGE', `${path} is not a file or a directory`, { hint: 'give a .tar.gz or a release directory' });
  return 'tarball';
}

export type MemberHandler = (entry: InputEntry) => Promise<void>;

/**
 * Calls `handler` for each member in order, one at a time, through the wrapper's own streaming
 * scan (scan.ts), so a bad archive fails the same way everywhere. A body the handler leaves unread
 * is drained. With `hash`, resolves with the file's sha256 from the same pass.
 */
export async function forEachArchiveMember(path: string, handler: MemberHandler, signal?: AbortSignal, hash = false): Promise<string | null> {
  const stats = await scanTarGz(
    path,
    {
      entry: (h) => async (body) => {
        const isFile = h.type === 'file' || h.type === 'contiguous-file';
        let drained = false;
        const chunks = (async function* () {
          for await (const c of body) yield c;
          drained = true;
        })();
        await handler({
          name: h.name,
          type: isFile ? 'file' : (h.type ?? 'unknown'),
          mode: (h.mode ?? 0) & 0o7777,
          size: isFile ? (h.size ?? 0) : 0,
          linkname: h.linkname ?? null,
          body: isFile ? chunks : null,
        });
        if (!drained) for await (const _ of chunks);
      },
      done: () => false,
    },
    { ...(signal ? { signal } : {}), hash },
  );
  return stats.sha256;
}

/** Members of a tarball or a release directory, to `handler` in order. */
export async function forEachMember(path: string, kind: InputKind, handler: MemberHandler, signal?: AbortSignal): Promise<void> {
  if (kind === 'tarball') {
    await forEachArchiveMember(path, handler, signal);
    return;
  }
  for await (const e of readDirectory(path)) {
    signal?.throwIfAborted();
    await handler(e);
  }
}

function typeOf(st: import('node:fs').Stats): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

/** Members of a release directory: depth first, each directory's names sorted, directories as `name/`. */
export async function* readDirectory(root: string, rel = ''): AsyncGenerator<InputEntry> {
  const dir = rel === '' ? root : join(root, rel);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    throw fromFsError(e, dir, 'listing the release directory');
  }
  for (const n of names) {
    const name = rel === '' ? n : `${rel}/${n}`;
    const full = join(root, name);
    let st;
    try {
      st = await lstat(full);
    } catch (e) {
      throw fromFsError(e, full, 'reading the release directory');
    }
    const type = typeOf(st);
    const mode = st.mode & 0o7777;
    if (type === 'directory') {
      yield { name: `${name}/`, type, mode, size: 0, linkname: null, body: null };
      yield* readDirectory(root, name);
    } else if (type === 'file') {
      // Small files get small buffers: a read stream allocates its whole high-water mark per read.
      const highWaterMark = Math.min(READ_CHUNK, Math.max(st.size, 1024));
      yield { name, type, mode, size: st.size, linkname: null, body: createReadStream(full, { highWaterMark }) };
    } else if (type === 'symlink') {
      let target: string;
      try {
        target = await readlink(full);
      } catch (e) {
        throw fromFsError(e, full, 'reading a symlink');
      }
      yield { name, type, mode, size: 0, linkname: target, body: null };
    } else {
      yield { name, type, mode, size: 0, linkname: null, body: null };
    }
  }
}
