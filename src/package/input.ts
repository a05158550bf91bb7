// Reads a release as a stream of members, whatever it is: a .tar.gz (or plain .tar) made by relx,
// systools:make_tar or GNU tar, or an unpacked release directory. One pass, constant memory: each
// member's body must be consumed before the next member is asked for.
import { createReadStream } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { fromFsError, RelupError } from '../errors.js';

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

/** Read sizes measured best for node's zlib on this class of machine (see the benchmark). */
export const READ_CHUNK = 1 << 20;
export const ZLIB_CHUNK = 1 << 18;

export type InputKind = 'tarball' | 'tar' | 'directory';

async function sniff(path: string): Promise<'tarball' | 'tar'> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw fromFsError(e, path, 'opening the input');
  }
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tarball';
    if (bytesRead === 512 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
    throw new RelupError('BAD_PACKAGE', `${path} is neither a gzip-compressed tar nor a tar`, {
      hint: 'give a .tar.gz made by relx or systools:make_tar, or a release directory',
    });
  } finally {
    await fh.close();
  }
}

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
  if (!st.isFile()) {
    throw new RelupError('BAD_PACKAGE', `${path} is not a file or a directory`, { hint: 'give a .tar.gz or a release directory' });
  }
  return sniff(path);
}

function archiveError(path: string, e: unknown): RelupError {
  if (e instanceof RelupError) return e;
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === 'string' && (err.code.startsWith('Z_') || err.code.startsWith('ERR_ZLIB'))) {
    return new RelupError('BAD_PACKAGE', `${path} is truncated or corrupt (gzip: ${err.message})`, { hint: 'download or build the package again', cause: e });
  }
  if (typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code)) return fromFsError(e, path, 'reading the archive');
  return new RelupError('BAD_PACKAGE', `${path} is truncated or corrupt (tar: ${err?.message ?? String(e)})`, {
    hint: 'download or build the package again',
    cause: e,
  });
}

/**
 * Members of a tar or .tar.gz in archive order. `onRaw` sees every byte of the file as read (for a
 * checksum of the package itself).
 */
export async function* readArchive(path: string, kind: 'tarball' | 'tar', onRaw?: (chunk: Buffer) => void): AsyncGenerator<InputEntry> {
  const tarStream = await import('tar-stream');
  const extract = tarStream.extract();
  const file = createReadStream(path, { highWaterMark: READ_CHUNK });
  if (onRaw) file.on('data', (b) => onRaw(b as Buffer));
  let failure: unknown = null;
  const done = (e: NodeJS.ErrnoException | null): void => {
    if (e) failure ??= e;
  };
  if (kind === 'tarball') pipeline(file, createGunzip({ chunkSize: ZLIB_CHUNK }), extract as unknown as NodeJS.WritableStream, done);
  else pipeline(file, extract as unknown as NodeJS.WritableStream, done);
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const isFile = h.type === 'file' || h.type === 'contiguous-file';
      yield {
        name: h.name,
        type: h.type === 'contiguous-file' ? 'file' : (h.type ?? 'file'),
        mode: (h.mode ?? 0) & 0o7777,
        size: isFile ? (h.size ?? 0) : 0,
        linkname: h.linkname ?? null,
        body: isFile ? (entry as AsyncIterable<Buffer>) : null,
      };
      // Whatever the consumer left unread is drained here so the archive moves on.
      entry.resume();
    }
  } catch (e) {
    throw archiveError(path, failure ?? e);
  } finally {
    file.destroy();
  }
  if (failure) throw archiveError(path, failure);
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
      yield { name, type, mode, size: st.size, linkname: null, body: createReadStream(full, { highWaterMark: READ_CHUNK }) };
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
