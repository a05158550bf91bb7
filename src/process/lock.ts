// One run at a time per installation. The lock file holds "<pid> <token>"; it is created with
// link(2) from a private temp file so that it appears complete or not at all. A lock whose pid is
// dead is taken over; a wrapper we hand over to inherits the token and runs under our lock.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { RelupError, fromFsError } from '../errors.js';
import { pidAlive } from '../pid.js';

export const LOCK_NAME = '.emqx-relup.lock';

export interface LockHolder {
  pid: number;
  token: string;
}

export interface Lock {
  path: string;
  token: string;
  /** False when we run under a lock inherited from the wrapper that handed over to us. */
  owned: boolean;
  release(): Promise<void>;
}

export function parseLock(text: string): LockHolder | null {
  const m = /^(\d+) ([0-9a-f]{8,64})\s*$/.exec(text);
  return m ? { pid: Number(m[1]), token: m[2]! } : null;
}

/** A lock file's text, or null when there is none. */
async function readRaw(path: string): Promise<string | null> {
  try {
    return await fsp.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fromFsError(e, path, 'reading the lock');
  }
}

export async function readLock(root: string): Promise<LockHolder | null> {
  const text = await readRaw(join(root, LOCK_NAME));
  return text === null ? null : parseLock(text);
}

/** Pid of a live holder, or null when free or stale. */
export async function lockHolder(root: string): Promise<number | null> {
  const h = await readLock(root);
  return h && pidAlive(h.pid) ? h.pid : null;
}

function locked(path: string, pid: number): RelupError {
  return new RelupError('LOCKED', `another emqx upgrade run (pid ${pid}) holds ${path}`, {
    hint: 'wait for it to finish; remove the file only if that process is gone',
    details: { pid, lock: path },
  });
}

/**
 * What acquireLock would say, without taking the lock (--dry-run): LOCKED naming a live holder's
 * pid, unless it is the run that handed over to us with its token.
 */
export async function checkLockFree(root: string, inheritedToken?: string): Promise<void> {
  const h = await readLock(root);
  if (!h || !pidAlive(h.pid)) return;
  if (inheritedToken && h.token === inheritedToken) return;
  throw locked(join(root, LOCK_NAME), h.pid);
}

export async function acquireLock(root: string, inheritedToken?: string): Promise<Lock> {
  const path = join(root, LOCK_NAME);
  if (inheritedToken) {
    const h = await readLock(root);
    if (h && h.token === inheritedToken && pidAlive(h.pid)) {
      return { path, token: inheritedToken, owned: false, release: async () => {} };
    }
  }
  const token = randomBytes(12).toString('hex');
  const tmp = join(root, `${LOCK_NAME}.${process.pid}.${token}`);
  try {
    await fsp.writeFile(tmp, `${process.pid} ${token}\n`, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    throw fromFsError(e, root, 'creating the lock file');
  }
  try {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (await linkOrExists(tmp, path)) {
        return {
          path,
          token,
          owned: true,
          release: async () => {
            const h = await readLock(root).catch(() => null);
            if (h?.token === token) await fsp.unlink(path).catch(() => {});
          },
        };
      }
      const seen = await readRaw(path);
      if (seen === null) continue; // freed meanwhile
      const holder = parseLock(seen);
      if (holder && pidAlive(holder.pid)) throw locked(path, holder.pid);
      await breakStale(path, seen, tmp, 0);
    }
    throw new RelupError('LOCKED', `could not take over the stale lock ${path}: other runs kept contending for it`, {
      hint: 'run again; if it keeps failing, check that no emqx upgrade is running and remove that file',
      details: { lock: path },
    });
  } finally {
    await fsp.unlink(tmp).catch(() => {});
  }
}

/** True when `to` was created as a link to `from`; false when `to` already exists. */
async function linkOrExists(from: string, to: string): Promise<boolean> {
  try {
    await fsp.link(from, to);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fromFsError(e, to, 'creating the lock');
  }
}

/** A name for one particular content of a lock file: its token, or a hash of unparseable text. */
function contentKey(text: string): string {
  return parseLock(text)?.token ?? createHash('sha256').update(text).digest('hex').slice(0, 24);
}

const MAX_BREAK_DEPTH = 3;

/**
 * Removes the stale file at `path` whose content we saw as `seen`. Only the contender that creates
 * the guard named after that content may remove it, and that content can change only by the
 * removal, so no fresh lock is ever removed. A guard is itself a lock file ("<pid> <token>", made
 * by linking our temp file); one left by a killed contender is broken the same way, one level up.
 */
async function breakStale(path: string, seen: string, tmp: string, depth: number): Promise<void> {
  const key = contentKey(seen);
  const guard = `${path}.break.${key}`;
  if (await linkOrExists(tmp, guard)) {
    try {
      const now = await readRaw(path);
      if (now !== null && contentKey(now) === key) await fsp.unlink(path).catch(() => {});
    } finally {
      await fsp.unlink(guard).catch(() => {});
    }
    return;
  }
  const other = await readRaw(guard);
  const breaker = other === null ? null : parseLock(other);
  if (other !== null && !(breaker && pidAlive(breaker.pid)) && depth < MAX_BREAK_DEPTH) {
    await breakStale(guard, other, tmp, depth + 1);
  } else {
    await new Promise((r) => setTimeout(r, 5)); // another contender is breaking it
  }
}
