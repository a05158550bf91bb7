// Opens a file we are about to read in full, refusing anything but a regular file. Non-blocking,
// so a FIFO planted under a package or sidecar name cannot hang a run that holds the lock.
import { constants, promises as fsp } from 'node:fs';
import { RelupError, fromFsError } from '../errors.js';

export async function openRegular(file: string, doing: string): Promise<fsp.FileHandle> {
  return (await openRegularStat(file, doing)).fh;
}

/** The identity that tells one file from its replacement under the same name. */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export const identityOf = (st: { dev: number; ino: number; size: number; mtimeMs: number }): FileIdentity => ({ dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });

export const sameFile = (a: FileIdentity, b: FileIdentity): boolean => a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** openRegular, with the identity of what was opened (one fstat, taken before any byte is read). */
export async function openRegularStat(file: string, doing: string): Promise<{ fh: fsp.FileHandle; identity: FileIdentity }> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw fromFsError(e, file, doing);
  }
  const st = await fh.stat().catch(async (e) => {
    await fh.close();
    throw fromFsError(e, file, doing);
  });
  if (!st.isFile()) {
    await fh.close();
    throw new RelupError('BAD_PACKAGE', `${file} is not a regular file (while ${doing})`, {
      hint: 'replace it with the real file',
      details: { file },
    });
  }
  return { fh, identity: identityOf(st) };
}
