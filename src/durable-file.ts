// Writes that survive a crash or power loss at any point: the data is fsynced before it is given
// its name, and the directory after, so a reader finds the old file or the whole new one. The one
// home for this; extract, pack and the rollout state use it.
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let seq = 0;

/** Creates `path` (`wx`: refuses an existing one) or truncates it (`w`), writes, fsyncs. */
export async function writeSynced(path: string, data: string | Buffer, opts: { flag: 'wx' | 'w'; mode?: number }): Promise<void> {
  const fh = await fsp.open(path, opts.flag, opts.mode ?? 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Fsyncs a directory so renames and creations in it are durable. `strict` rethrows a failure;
 * otherwise it is ignored (file systems that cannot fsync a directory still renamed atomically).
 */
export async function syncDir(dir: string, strict = false): Promise<void> {
  let fh: fsp.FileHandle | null = null;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch (e) {
    if (strict) throw e;
  } finally {
    await fh?.close();
  }
}

/** Replaces `path` atomically: a synced temporary beside it, renamed over it, then the directory synced. */
export async function replaceFile(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++seq}.tmp`);
  try {
    await writeSynced(tmp, data, { flag: 'wx', mode });
    await fsp.rename(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dirname(path));
}
