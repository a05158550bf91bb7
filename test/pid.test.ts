// pidAlive: a live process (ours, or one of another user: EPERM) is alive; an exited one and
// anything that is not a pid are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pidAlive } from '../src/pid.js';
import { readableModule, unprivilegedNode } from './helpers/nobody.js';

test('our own process is alive; a child that has exited and been reaped is not', () => {
  assert.equal(pidAlive(process.pid), true);
  const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const dead = Number(r.stdout.trim());
  assert.ok(Number.isSafeInteger(dead) && dead > 0, r.stdout);
  assert.equal(pidAlive(dead), false);
});

test("another user's live process is alive: EPERM counts (nobody asks about this root process and init)", () => {
  const [cmd, ...args] = unprivilegedNode();
  const code = `const { pidAlive } = require(${JSON.stringify(readableModule('pid.js'))}); console.log(pidAlive(${process.pid}), pidAlive(1));`;
  const r = spawnSync(cmd!, [...args, '-e', code], { encoding: 'utf8', cwd: '/' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'true true');
});

test('what is not a pid is never alive (0 and negatives would signal process groups)', () => {
  for (const p of [0, -1, -process.pid, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) assert.equal(pidAlive(p), false, String(p));
});
