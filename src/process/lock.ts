// One run at a time per installation. The lock file holds "<pid> <token>"; it is created with
// link(2) from a private temp file so that it appears complete or not at all. A lock whose pid is
// dead is taken over; a wrapper we hand over to inherits the token and runs under our lock.
import { randomBytes } from 'node:crypto';
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

export async function readLock(root: string): Promise<LockHolder | null> {
  try {
    return parseLock(await fsp.readFile(join(root, LOCK_NAME), 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fromFsError(e, join(root, LOCK_NAME), 'reading the lock');
  }
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
  const tmp = join(root, `.emqx-relup.lock.${process.pid}.${token}`);
  try {
    await fsp.writeFile(tmp, `${process.pid} ${token}\n`, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    throw fromFsError(e, root, 'creating the lock file');
  }
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await fsp.link(tmp, path);
        return {
          path,
          token,
          owned: true,
          release: async () => {
            const h = await readLock(root).catch(() => null);
            if (h?.token === token) await fsp.unlink(path).catch(() => {});
          },
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fromFsError(e, path, 'creating the lock');
      }
      const holder = await readLock(root);
      if (holder && pidAlive(holder.pid)) throw locked(path, holder.pid);
      await takeOverStale(root, path, holder);
    }
    const h = await readLock(root);
    throw locked(path, h?.pid ?? 0);
  } finally {
    await fsp.unlink(tmp).catch(() => {});
  }
}

/**
 * Removes a stale lock, but only under a guard file that one contender at a time can create, and
 * only if the lock still holds the stale token we judged: a fresh lock that another run created
 * meanwhile has another token and is never touched.
 */
async function takeOverStale(root: string, path: string, judged: LockHolder | null): Promise<void> {
  const guard = join(root, `${LOCK_NAME}.break`);
  try {
    await fsp.writeFile(guard, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fromFsError(e, guard, 'taking over a stale lock');
    // Someone else is breaking the lock; a guard left by a killed breaker is cleared.
    const breaker = Number((await fsp.readFile(guard, 'utf8').catch(() => '')).trim());
    if (!pidAlive(breaker)) await fsp.unlink(guard).catch(() => {});
    await new Promise((r) => setTimeout(r, 5));
    return;
  }
  try {
    const now = await readLock(root);
    const same = judged === null ? now === null : now?.token === judged.token;
    if (same && !(now && pidAlive(now.pid))) await fsp.unlink(path).catch(() => {});
  } finally {
    await fsp.unlink(guard).catch(() => {});
  }
}
