// runInherited, with real child processes: the child's own exit status comes back unchanged, a
// signal that kills it comes back as 128+n, the operator's signals reach it while it runs, and a
// file that cannot be run is a clear error naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runInherited } from '../../src/process/handover.js';
import { RelupError } from '../../src/errors.js';
import { OPERATOR_SIGNALS } from '../../src/signals.js';
import { tempDir } from '../helpers/support.js';

const node = (code: string, dir: string) => ({ file: process.execPath, args: ['-e', code], cwd: dir, env: { ...process.env, HANDOVER_DIR: dir } });

test('the exit status, the working directory, the arguments and the environment are the ones handed over', async (t) => {
  const dir = tempDir(t);
  const code = `require('fs').writeFileSync('seen.json', JSON.stringify({ cwd: process.cwd(), argv: process.argv.slice(1), v: process.env.HANDOVER_DIR })); process.exit(47)`;
  const h = node(code, dir);
  assert.equal(await runInherited({ ...h, args: [...h.args, 'upgrade', '5.0.1'] }), 47);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'seen.json'), 'utf8')), { cwd: fs.realpathSync(dir), argv: ['upgrade', '5.0.1'], v: dir });
  assert.equal(await runInherited(node('', dir)), 0);
});

test('a child killed by a signal is 128+n', async (t) => {
  const dir = tempDir(t);
  assert.equal(await runInherited(node("process.kill(process.pid, 'SIGKILL')", dir)), 137);
  assert.equal(await runInherited(node("process.kill(process.pid, 'SIGTERM')", dir)), 143);
});

test("the operator's SIGTERM goes to the child while it runs; the forwarding ends with it", async (t) => {
  const dir = tempDir(t);
  const before = OPERATOR_SIGNALS.map((s) => process.listenerCount(s));
  const code = `process.on('SIGTERM', () => process.exit(42)); require('fs').writeFileSync('ready', ''); setTimeout(() => process.exit(1), 30000)`;
  const running = runInherited(node(code, dir));
  while (!fs.existsSync(path.join(dir, 'ready'))) await sleep(20);
  assert.deepEqual(OPERATOR_SIGNALS.map((s) => process.listenerCount(s)), before.map((n) => n + 1));
  process.kill(process.pid, 'SIGTERM');
  assert.equal(await running, 42);
  assert.deepEqual(OPERATOR_SIGNALS.map((s) => process.listenerCount(s)), before);
});

test('a missing file is NOT_FOUND, one without execute permission PERMISSION with the chmod to run', async (t) => {
  const dir = tempDir(t);
  const missing = path.join(dir, 'emqx-5.0.2');
  await assert.rejects(runInherited({ file: missing, args: [], cwd: dir, env: {} }), (e: unknown) => e instanceof RelupError && e.code === 'NOT_FOUND' && e.line === `cannot run ${missing}: ENOENT; check the installation`);
  const plain = path.join(dir, 'install_upgrade.escript-5.0.2');
  fs.writeFileSync(plain, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
  await assert.rejects(runInherited({ file: plain, args: [], cwd: dir, env: {} }), (e: unknown) => e instanceof RelupError && e.code === 'PERMISSION' && e.exitCode === 77 && e.line.endsWith(`make it executable: chmod 0755 ${plain}`));
  const before = OPERATOR_SIGNALS.map((s) => process.listenerCount(s));
  await assert.rejects(runInherited({ file: missing, args: [], cwd: dir, env: {} }));
  assert.deepEqual(OPERATOR_SIGNALS.map((s) => process.listenerCount(s)), before, 'no handler left behind by a failed start');
});
