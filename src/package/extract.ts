// Takes exactly the two versioned scripts out of a release package into bin/, all or nothing:
// each goes to an O_EXCL temporary in bin/, is fsynced, and only when both are complete are they
// renamed over the final names (a symlink there is replaced, never followed). On any failure the
// temporaries go and bin/ is exactly as before.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { RelupError, fromFsError } from '../errors.js';
import { pidAlive } from '../pid.js';
import { syncDir, writeSynced } from '../durable-file.js';
import { versionedScriptFiles, versionedScripts } from '../release/script-names.js';
import { scanTarGz, type ScanOptions, type TarHeader } from './scan.js';

export const DEFAULT_MAX_ENTRY_BYTES = 16 * 1024 * 1024;

/** Archive members holding the scripts of `version` (also accepted with a leading `./`). */
export function memberNames(version: string): string[] {
  return Object.values(versionedScripts(version));
}

const TEMP_RE = /^\.(.+)\.relup-(\d+)-([0-9a-f]+)(\.old)?\.tmp$/;

function tempName(dest: string, kind: '' | '.old' = ''): string {
  return `.${dest}.relup-${process.pid}-${randomBytes(4).toString('hex')}${kind}.tmp`;
}

/** Only plain file entries; tar-stream reports typeflag '0', '\0' and '7' (contiguous) as these. */
const FILE_TYPES = new Set(['file', 'contiguous-file']);

export interface ExtractOptions extends Pick<ScanOptions, 'signal' | 'highWaterMark' | 'chunkSize'> {
  maxEntryBytes?: number;
}

export interface ExtractResult {
  /** Absolute paths of the scripts now in place. */
  written: string[];
  bytesRead: number;
  entriesSeen: number;
}

interface Member {
  dest: string;
  member: string | null;
  tmp: string | null;
  complete: boolean;
}

function memberError(pkg: string, member: string, what: string): RelupError {
  return new RelupError('BAD_PACKAGE', `package ${pkg}: member ${member} ${what}`, {
    hint: 'the package is damaged or not a genuine release package: fetch it again',
    details: { package: pkg, member },
  });
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

/** Checked before anything is read, so an impossible destination costs no scan. */
async function checkDestinations(binDir: string, members: Member[]): Promise<void> {
  let st;
  try {
    st = await fsp.stat(binDir);
  } catch (e) {
    throw fromFsError(e, binDir, 'preparing to extract the scripts');
  }
  if (!st.isDirectory()) throw new RelupError('CANNOT_WRITE', `${binDir} is not a directory`, { hint: 'check the installation root' });
  for (const m of members) await checkDestination(path.join(binDir, m.dest));
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

/** Receives one member's body; `close` runs whether or not the body was complete. */
interface Sink {
  write(chunk: Buffer): Promise<void>;
  finish(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The one reading of a package for its two scripts, shared by extraction and --dry-run so both
 * refuse exactly the same packages: exact member names, regular files, not empty, not over the
 * limit, not twice, not truncated, both present. Stops reading once both are complete.
 */
async function scanScripts(
  pkgPath: string,
  version: string,
  members: Member[],
  sink: (m: Member) => Promise<Sink>,
  opts: ExtractOptions,
): Promise<{ bytesRead: number; entriesSeen: number }> {
  const maxEntryBytes = opts.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  const byName = new Map<string, Member>();
  for (const m of members) for (const n of [`bin/${m.dest}`, `./bin/${m.dest}`]) byName.set(n, m); // exact names only: never '/bin/..', '../bin/..'

  const take = (m: Member, header: TarHeader) => async (body: AsyncIterable<Buffer>) => {
    const out = await sink(m);
    let written = 0;
    try {
      for await (const chunk of body) {
        written += chunk.length;
        if (written > maxEntryBytes) throw memberError(pkgPath, header.name, `is larger than ${maxEntryBytes} bytes`);
        await out.write(chunk);
      }
      if (written !== header.size) throw memberError(pkgPath, header.name, `is truncated (${written} of ${header.size} bytes)`);
      await out.finish();
    } finally {
      await out.close();
    }
    m.complete = true;
  };

  const stats = await scanTarGz(
    pkgPath,
    {
      entry(header) {
        // A trailing '/' (how directories are written) still names the member, so it is refused as one.
        const m = byName.get(header.name.endsWith('/') ? header.name.slice(0, -1) : header.name);
        if (!m) return null;
        if (m.member !== null) throw memberError(pkgPath, header.name, `appears twice (also as ${m.member})`);
        m.member = header.name;
        if (!FILE_TYPES.has(header.type ?? '')) throw memberError(pkgPath, header.name, `is a ${header.type ?? 'entry of unknown type'}, not a regular file`);
        if (header.size === undefined || header.size <= 0) throw memberError(pkgPath, header.name, 'is empty');
        if (header.size > maxEntryBytes) throw memberError(pkgPath, header.name, `is ${header.size} bytes, over the ${maxEntryBytes}-byte limit`);
        return take(m, header);
      },
      done: () => members.every((m) => m.complete),
    },
    opts,
  );
  const missing = members.filter((m) => !m.complete);
  if (missing.length > 0) {
    const names = missing.map((m) => `bin/${m.dest}`).join(' and ');
    throw new RelupError('BAD_PACKAGE', `package ${pkgPath} has no ${names}`, {
      hint: `use a package of ${version} that ships its versioned scripts`,
      details: { package: pkgPath, missing: missing.map((m) => `bin/${m.dest}`) },
    });
  }
  return stats;
}

function newMembers(version: string): Member[] {
  return versionedScriptFiles(version).map((dest) => ({ dest, member: null, tmp: null, complete: false }));
}

/**
 * Extracts `bin/emqx-<version>` and `bin/install_upgrade.escript-<version>` (or `./bin/...`) from
 * the .tar.gz `pkgPath` into `binDir`, reading the package once and stopping as soon as both are
 * found. Rejects with BAD_PACKAGE for a missing, duplicate, empty, oversize or non-regular member
 * and for a damaged archive; with PERMISSION / CANNOT_WRITE for file system trouble; with
 * `signal.reason` on abort. In every failure case bin/ is left as it was.
 */
export async function extractScripts(pkgPath: string, version: string, binDir: string, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const members = newMembers(version);
  await checkDestinations(binDir, members);

  const sink = async (m: Member): Promise<Sink> => {
    const name = tempName(m.dest);
    const tmp = path.join(binDir, name);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(tmp, 'wx', 0o700);
    } catch (e) {
      throw fromFsError(e, tmp, 'creating a temporary file for the script');
    }
    m.tmp = name;
    const fsErr = (e: unknown) => fromFsError(e, tmp, 'writing the extracted script');
    return {
      write: (chunk) => writeAll(fh, chunk).catch((e) => Promise.reject(fsErr(e))),
      // Explicit chmod, since the mode given to open() is cut by the umask.
      finish: () => fh.chmod(0o755).then(() => fh.sync()).catch((e) => Promise.reject(fsErr(e))),
      close: () => fh.close(),
    };
  };

  try {
    const stats = await scanScripts(pkgPath, version, members, sink, opts);
    await commit(binDir, members);
    return { written: members.map((m) => path.join(binDir, m.dest)), bytesRead: stats.bytesRead, entriesSeen: stats.entriesSeen };
  } finally {
    for (const m of members) if (m.tmp) await unlinkQuiet(path.join(binDir, m.tmp));
  }
}

/** Bytes of each script's head kept by checkScripts: enough for the wrapper marker. */
export const HEAD_BYTES = 512;

/**
 * --dry-run: the same reading and refusals as extractScripts, and the same destination checks in
 * `binDir`, but nothing is written anywhere (not even a scratch directory). Returns the first
 * HEAD_BYTES of each script, by its name in bin/.
 */
export async function checkScripts(pkgPath: string, version: string, binDir: string, opts: ExtractOptions = {}): Promise<Map<string, Buffer>> {
  const members = newMembers(version);
  await checkDestinations(binDir, members);
  const heads = new Map<string, Buffer>();
  const sink = async (m: Member): Promise<Sink> => {
    const parts: Buffer[] = [];
    let kept = 0;
    return {
      write: async (chunk) => {
        if (kept < HEAD_BYTES) {
          parts.push(chunk.subarray(0, HEAD_BYTES - kept));
          kept += Math.min(chunk.length, HEAD_BYTES - kept);
        }
      },
      finish: async () => void heads.set(m.dest, Buffer.concat(parts)),
      close: async () => {},
    };
  };
  await scanScripts(pkgPath, version, members, sink, opts);
  return heads;
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
