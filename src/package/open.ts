// Opens a file we are about to read in full, refusing anything but a regular file. Non-blocking,
// so a FIFO planted under a package or sidecar name cannot hang a run that holds the lock.
import { constants, promises as fsp } from 'node:fs';
import { RelupError, fromFsError } from '../errors.js';

export async function openRegular(file: string, doing: string): Promise<fsp.FileHandle> {
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
  return fh;
}
