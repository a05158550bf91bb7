// Puts the two versioned scripts, as read and checked by read.ts, into bin/, all or nothing: each
// goes to an O_EXCL temporary in bin/, is fsynced, and only when both are complete are they
// renamed over the final names (a symlink there is replaced, never followed). On any failure the
// temporaries go and bin/ is exactly as before. The package is never opened here: what is
// written is the bytes that were verified.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { RelupError, fromFsError } from '../errors.js';
import { pidAlive } from '../pid.js';
import { syncDir, writeSynced } from '../durable-file.js';
import { versionedScriptFiles, versionedScripts } from '../release/script-names.js';
import { NOTHING, readPackage, type ReadOptions, type ScriptFile } from './read.js';

/** Archive members holding the scripts of `version` (also accepted with a leading `./`). */
export function memberNames(version: string): string[] {
  return Object.values(versionedScripts(version));
}

const TEMP_RE = /^\.(.+)\.relup-(\d+)-([0-9a-f]+)(\.old)?\.tmp$/;

function tempName(dest: string, kind: '' | '.old' = ''): string {
  return `.${dest}.relup-${process.pid}-${randomBytes(4).toString('hex')}${kind}.tmp`;
}

export type ExtractOptions = ReadOptions;

export interface ExtractResult {
  /** Absolute paths of the scripts now in place. */
  written: string[];
  bytesRead: number;
  entriesSeen: number;
}

interface Member {
  dest: string;
  data: Buffer;
  tmp: string | null;
}

async function writeAll(fh: fsp.FileHandle, buf: Buffer): Promise<void> {
  for (let off = 0; off < buf.length; ) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
}

async function unlinkQuiet(file: string): Promise<void> {
  await fsp.unlink(file).catch(() => {});
}


/** True when something is at `dest`; refuses a directory, which rename() could not replace. */
async function checkDestination(dest: string): Promise<boolean> {
  const lst = await fsp.lstat(dest).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw fromFsError(e, dest, 'preparing to put the script in place');
  });
  if (lst?.isDirectory()) {
    throw new RelupError('CANNOT_WRITE', `${dest} is a directory, where the script must go`, { hint: 'move it away and retry' });
  }
  return lst !== null;
}

/** Checked before anything is read or written (the dry run too), so an impossible destination costs no scan. */
export async function checkDestinations(binDir: string, dests: readonly string[]): Promise<void> {
  let st;
  try {
    st = await fsp.stat(binDir);
  } catch (e) {
    throw fromFsError(e, binDir, 'preparing to extract the scripts');
  }
  if (!st.isDirectory()) throw new RelupError('CANNOT_WRITE', `${binDir} is not a directory`, { hint: 'check the installation root' });
  for (const d of dests) await checkDestination(path.join(binDir, d));
}

/**
 * Renames the completed temporaries over the final names. If a later rename fails, the earlier
 * ones are undone from hard-link backups of what was there (link(2) does not follow a symlink),
 * so bin/ never ends up half-updated by an error.
 */
async function commit(binDir: string, members: Member[]): Promise<void> {
  const backups: (string | null)[] = [];
  try {
    for (const m of members) {
      const dest = path.join(binDir, m.dest);
      // Checked again: bin/ may have changed while the package was read.
      if (!(await checkDestination(dest))) {
        backups.push(null);
        continue;
      }
      const bak = path.join(binDir, tempName(m.dest, '.old'));
      try {
        await fsp.link(dest, bak);
      } catch (e) {
        throw fromFsError(e, dest, 'keeping a backup before replacing it');
      }
      backups.push(bak);
    }
    // The journal lets the next run undo a commit that a kill cut between the two renames.
    const journal = path.join(binDir, `.relup-commit-${process.pid}-${randomBytes(4).toString('hex')}.journal`);
    const entries: JournalEntry[] = members.map((m, i) => ({ dest: m.dest, tmp: m.tmp!, backup: backups[i] ? path.basename(backups[i]!) : null }));
    await writeJournal(journal, entries);
    let done = 0;
    try {
      for (const m of members) {
        await fsp.rename(path.join(binDir, m.tmp!), path.join(binDir, m.dest));
        m.tmp = null;
        done++;
      }
    } catch (e) {
      for (let i = 0; i < done; i++) {
        const dest = path.join(binDir, members[i]!.dest);
        const bak = backups[i];
        if (bak) await fsp.rename(bak, dest).then(() => (backups[i] = null)).catch(() => {});
        else await unlinkQuiet(dest);
      }
      await unlinkQuiet(journal);
      throw fromFsError(e, path.join(binDir, members[done]!.dest), 'putting the extracted script in place');
    }
    await syncDir(binDir, true).catch((e) => {
      throw fromFsError(e, binDir, 'syncing the directory');
    });
    await unlinkQuiet(journal);
  } finally {
    for (const b of backups) if (b) await unlinkQuiet(b);
  }
}

function newMembers(files: readonly ScriptFile[]): Member[] {
  return files.map((f) => ({ dest: f.dest, data: f.data, tmp: null }));
}

/** Each script to its O_EXCL temporary, complete, 0755 and fsynced, before any rename. */
async function writeTemps(binDir: string, members: Member[], signal?: AbortSignal): Promise<void> {
  for (const m of members) {
    signal?.throwIfAborted();
    const name = tempName(m.dest);
    const tmp = path.join(binDir, name);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(tmp, 'wx', 0o700);
    } catch (e) {
      throw fromFsError(e, tmp, 'creating a temporary file for the script');
    }
    m.tmp = name;
    try {
      await writeAll(fh, m.data);
      // Explicit chmod, since the mode given to open() is cut by the umask.
      await fh.chmod(0o755);
      await fh.sync();
    } catch (e) {
      throw fromFsError(e, tmp, 'writing the extracted script');
    } finally {
      await fh.close();
    }
  }
  signal?.throwIfAborted();
}

/**
 * Writes `files` (the scripts as read.ts checked them) into `binDir`. Rejects with PERMISSION /
 * CANNOT_WRITE for file system trouble and with `signal.reason` on abort; bin/ is then as it was.
 */
export async function writeScripts(binDir: string, files: readonly ScriptFile[], opts: { signal?: AbortSignal } = {}): Promise<string[]> {
  const members = newMembers(files);
  await checkDestinations(binDir, members.map((m) => m.dest));
  try {
    await writeTemps(binDir, members, opts.signal);
    await commit(binDir, members);
    return members.map((m) => path.join(binDir, m.dest));
  } finally {
    for (const m of members) if (m.tmp) await unlinkQuiet(path.join(binDir, m.tmp));
  }
}

/**
 * Reads the scripts of `version` from the .tar.gz `pkgPath` (read.ts, stopping once both are in)
 * and writes them into `binDir`. Rejects with BAD_PACKAGE for a missing, duplicate, empty,
 * oversize or non-regular member and for a damaged archive, like writeScripts otherwise.
 */
export async function extractScripts(pkgPath: string, version: string, binDir: string, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const [runner, escript] = versionedScriptFiles(version);
  await checkDestinations(binDir, [runner, escript]);
  const read = await readPackage(pkgPath, { ...NOTHING, scripts: version }, opts);
  if (read.scripts?.kind !== 'found') throw read.scripts?.error ?? read.failure;
  const written = await writeScripts(binDir, read.scripts.files, opts);
  return { written, bytesRead: read.bytesRead, entriesSeen: read.entriesSeen };
}

interface JournalEntry {
  dest: string;
  tmp: string;
  backup: string | null;
}

const JOURNAL_RE = /^\.relup-commit-(\d+)-[0-9a-f]+\.journal$/;

async function writeJournal(file: string, entries: JournalEntry[]): Promise<void> {
  try {
    await writeSynced(file, JSON.stringify(entries), { flag: 'wx' });
  } catch (e) {
    await unlinkQuiet(file);
    throw fromFsError(e, file, 'recording the commit');
  }
}

/**
 * Undoes the commit of a run that died between its renames: a destination whose temporary is gone
 * was replaced, so its backup goes back (or, with none, the new file goes), leaving the pair as it
 * was before that run.
 */
async function rollBackJournal(binDir: string, journal: string): Promise<void> {
  let entries: JournalEntry[];
  try {
    entries = JSON.parse(await fsp.readFile(journal, 'utf8')) as JournalEntry[];
  } catch {
    entries = []; // torn before its fsync: no rename had started
  }
  for (const e of entries) {
    if (typeof e?.dest !== 'string' || typeof e.tmp !== 'string' || e.dest.includes('/') || e.tmp.includes('/')) continue;
    const tmpLeft = await fsp.lstat(path.join(binDir, e.tmp)).then(() => true, () => false);
    if (tmpLeft) continue;
    const dest = path.join(binDir, e.dest);
    if (e.backup && !e.backup.includes('/')) {
      await fsp.rename(path.join(binDir, e.backup), dest).catch((err) => {
        throw fromFsError(err, dest, 'restoring a script after an interrupted run');
      });
    } else {
      await unlinkQuiet(dest);
    }
  }
  await unlinkQuiet(journal);
}

/**
 * Removes temporaries left in `binDir` by runs that died (kill -9, power loss): regular files named
 * like ours whose pid is no longer alive. Returns the names removed.
 */
export async function cleanStaleTemps(binDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(binDir);
  } catch (e) {
    throw fromFsError(e, binDir, 'looking for leftover temporary files');
  }
  const removed: string[] = [];
  for (const name of names) {
    const j = JOURNAL_RE.exec(name);
    if (!j || Number(j[1]) === process.pid || pidAlive(Number(j[1]))) continue;
    await rollBackJournal(binDir, path.join(binDir, name));
    removed.push(name);
  }
  for (const name of names.sort()) {
    const m = TEMP_RE.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || pidAlive(pid)) continue;
    const file = path.join(binDir, name);
    const st = await fsp.lstat(file).catch(() => null);
    if (!st?.isFile()) continue;
    try {
      await fsp.unlink(file);
      removed.push(name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fromFsError(e, file, 'removing a leftover temporary file');
    }
  }
  return removed;
}
