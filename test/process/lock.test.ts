import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { acquireLock, checkLockFree, lockHolder, parseLock, LOCK_NAME } from '../../src/process/lock.js';
import type { RelupError } from '../../src/errors.js';
import { tempDir } from '../helpers/support.js';

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => dead.once('exit', r));
  return dead.pid!;
}

/** A fresh acquire takes over what lies in root, and its release leaves nothing behind. */
async function assertTakesOver(root: string): Promise<void> {
  const lock = await acquireLock(root);
  assert.equal(parseLock(readFileSync(join(root, LOCK_NAME), 'utf8'))?.pid, process.pid);
  await lock.release();
  assert.deepEqual(readdirSync(root), []);
}

test('second acquire fails at once with the holder pid; release frees it', async (t) => {
  const root = tempDir(t, 'relup-lock-');
  const lock = await acquireLock(root);
  assert.equal(await lockHolder(root), process.pid);
  await assert.rejects(acquireLock(root), (e: RelupError) => e.code === 'LOCKED' && e.exitCode === 75 && e.message.includes(String(process.pid)));
  await lock.release();
  assert.equal(await lockHolder(root), null);
  assert.deepEqual(readdirSync(root), [], 'no temp or lock file left behind');
});

test('a stale lock from a dead process is taken over', async (t) => {
  const root = tempDir(t, 'relup-lock-');
  writeFileSync(join(root, LOCK_NAME), `${await deadPid()} 0123456789abcdef\n`);
  await assertTakesOver(root);
});

test('a child handed the token runs under the lock without taking or releasing it', async (t) => {
  const root = tempDir(t, 'relup-lock-');
  const lock = await acquireLock(root);
  const inherited = await acquireLock(root, lock.token);
  assert.equal(inherited.owned, false);
  await inherited.release();
  assert.equal(await lockHolder(root), process.pid, 'still held by the parent');
  await assert.rejects(acquireLock(root, 'ffffffffffffffff'), (e: RelupError) => e.code === 'LOCKED');
  await lock.release();
});

for (const stale of [false, true]) test(`20 concurrent processes${stale ? ' racing to take over a stale lock' : ''}: exactly one holds the lock at any time`, async (t) => {
  const root = tempDir(t, 'relup-lock-');
  if (stale) writeFileSync(join(root, LOCK_NAME), `${await deadPid()} 0123456789abcdef\n`);
  // Each child takes the lock, records enter/leave in a shared log while holding it, then frees it.
  const mod = new URL('../../src/process/lock.js', import.meta.url).href;
  const script = `
    const { acquireLock } = await import(${JSON.stringify(mod)});
    const fs = await import('node:fs');
    const log = ${JSON.stringify(join(root, 'log'))};
    try {
      const l = await acquireLock(${JSON.stringify(root)});
      fs.appendFileSync(log, 'in ' + process.pid + '\\n');
      await new Promise((r) => setTimeout(r, 20));
      fs.appendFileSync(log, 'out ' + process.pid + '\\n');
      await l.release();
      process.exit(0);
    } catch (e) { process.exit(e.exitCode ?? 1); }
  `;
  const codes = await Promise.all(
    Array.from({ length: 20 }, () =>
      new Promise<number>((resolve) => {
        const c = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
        c.once('exit', (code) => resolve(code ?? -1));
      }),
    ),
  );
  assert.ok(codes.every((c) => c === 0 || c === 75), `exit codes ${codes}`);
  assert.ok(codes.includes(0));
  const lines = readFileSync(join(root, 'log'), 'utf8').trim().split('\n');
  for (let i = 0; i < lines.length; i += 2) {
    const [a, pa] = lines[i]!.split(' ');
    const [b, pb] = lines[i + 1]!.split(' ');
    assert.equal(a, 'in');
    assert.equal(b, 'out');
    assert.equal(pa, pb, 'enter/leave pairs never interleave');
  }
  assert.equal(lines.length / 2, codes.filter((c) => c === 0).length);
  assert.deepEqual(readdirSync(root).filter((n) => n !== 'log'), []);
});

test('a lock file that is not ours (unparseable) is taken over like a stale one', async (t) => {
  const root = tempDir(t, 'relup-lock-');
  writeFileSync(join(root, LOCK_NAME), 'garbage\n');
  await assertTakesOver(root);
});

test('a takeover guard left by a killed contender is broken in turn; nothing is left behind', async (t) => {
  const root = tempDir(t, 'relup-lock-');
  writeFileSync(join(root, LOCK_NAME), `${await deadPid()} 0123456789abcdef\n`);
  writeFileSync(join(root, `${LOCK_NAME}.break.0123456789abcdef`), `${await deadPid()} fedcba9876543210\n`);
  await assertTakesOver(root);
});

test('while a live contender holds the takeover guard, the stale lock is left to it', async (t) => {
  const root = tempDir(t, 'relup-lock-');
  const stale = `${await deadPid()} 0123456789abcdef\n`;
  const guard = join(root, `${LOCK_NAME}.break.0123456789abcdef`);
  writeFileSync(join(root, LOCK_NAME), stale);
  writeFileSync(guard, `${process.pid} 00112233445566778899aabb\n`);
  const taking = acquireLock(root);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(readFileSync(join(root, LOCK_NAME), 'utf8'), stale, 'not removed under another contender');
  // That contender finishes its takeover.
  rmSync(join(root, LOCK_NAME));
  rmSync(guard);
  const lock = await taking;
  assert.equal(parseLock(readFileSync(join(root, LOCK_NAME), 'utf8'))?.token, lock.token);
  await lock.release();
  assert.deepEqual(readdirSync(root), []);
});

test('checkLockFree (dry run) says what acquireLock would, and creates nothing', async (t) => {
  const root = tempDir(t, 'relup-lock-');
  await checkLockFree(root);
  assert.deepEqual(readdirSync(root), [], 'a free lock: nothing created');
  const lock = await acquireLock(root);
  await assert.rejects(checkLockFree(root), (e: RelupError) => e.code === 'LOCKED' && e.exitCode === 75 && e.message.includes(`pid ${process.pid}`));
  await checkLockFree(root, lock.token); // handed over to: runs under it
  await lock.release();
  writeFileSync(join(root, LOCK_NAME), `${await deadPid()} 0123456789abcdef\n`);
  await checkLockFree(root); // stale: the real run would take it over
  assert.deepEqual(readdirSync(root), [LOCK_NAME], 'the stale lock is left alone');
});
