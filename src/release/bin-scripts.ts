// Whether a version's two scripts are in bin/: what gather reports as a fact, and what execute
// checks once more under the lock (another run may have put them there meanwhile).
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { fromFsError } from '../errors.js';
import { versionedScripts } from './script-names.js';

export async function nonEmptyFile(path: string): Promise<boolean> {
  try {
    const st = await fsp.stat(path);
    return st.isFile() && st.size > 0;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw fromFsError(e, path, 'looking for the versioned scripts');
  }
}

export async function scriptsPresent(root: string, version: string): Promise<boolean> {
  const s = versionedScripts(version);
  return (await nonEmptyFile(join(root, s.runner))) && (await nonEmptyFile(join(root, s.escript)));
}
