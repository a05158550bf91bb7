// The detached run on the host, for real: the built wrapper (dist/emqx.cjs) starts a command in
// its own session, the follower streams its log and ends with the run line; killing the follower
// (its whole process group, as a dropped ssh session does) leaves the command running to its end,
// and `--follow=ID` reads that end afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { makeRolloutRoot } from '../../scripts/fixtures/rollout-roots.js';
import { runPaths } from '../../src/process/detached-run.js';
import { parseRunLine } from '../../src/process/run-line.js';

const BUNDLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../emqx.cjs');

function root(t: { after(fn: () => void): void }, runner: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-detached-'));
  t.after(() => rmTree(dir));
  const r = makeRolloutRoot(path.join(dir, 'emqx'), { version: '5.0.0' });
  // The runner a passed-through command reaches: the detached command under test.
  fs.writeFileSync(path.join(r, 'bin', 'emqx'), `#!/bin/sh\n${runner}\n`, { mode: 0o755 });
  return r;
}

function rmTree(dir: string) {
  fs.rmSync(dir, { recursive: true, force: true });
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The wrapper with `args`; stdin held open (as the rollout's ssh does) unless `closeStdin`. */
function wrapper(args: string[], o: { closeStdin?: boolean; group?: boolean } = {}) {
  const child = spawn(process.execPath, [BUNDLE, ...args], { stdio: ['pipe', 'pipe', 'pipe'], detached: o.group === true });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (o.closeStdin) child.stdin.end();
  const done = new Promise<Ran>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

async function until(what: string, pred: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('a detached command runs to its end: the follower streams its output and exits with its status', async (t) => {
  const r = root(t, 'echo "runner $*"; echo oops >&2; exit 7');
  const w = wrapper([`--root=${r}`, '--detach=run-1', 'ctl', 'status']);
  const res = await w.done;
  w.child.stdin.destroy();
  assert.equal(res.code, 7, res.stderr);
  assert.deepEqual(parseRunLine(res.stdout, 'run-1'), { id: 'run-1', state: 'ended', exitCode: 7 });
  assert.match(res.stderr, /runner ctl status\noops\n/);
  const p = runPaths(r, 'run-1');
  assert.deepEqual(JSON.parse(fs.readFileSync(p.status, 'utf8')).exitCode, 7);
  assert.match(fs.readFileSync(p.log, 'utf8'), /runner ctl status/);
  // The same id again only follows it: the command is not run a second time.
  const again = await wrapper([`--root=${r}`, '--detach=run-1', 'ctl', 'status']).done;
  assert.equal(again.code, 7);
  assert.equal(fs.readFileSync(p.log, 'utf8').match(/runner ctl status/g)?.length, 1);
});

test('the follower killed with its whole process group (a dropped ssh session): the command ends all the same, and --follow reads its end', async (t) => {
  const r = root(t, `sleep 1; echo finished > "${'$'}(dirname "$0")/../FINISHED"; echo "runner done"`);
  const w = wrapper([`--root=${r}`, '--detach=run-2', 'ctl', 'x'], { group: true });
  const p = runPaths(r, 'run-2');
  await until('the pid file', () => fs.existsSync(p.pid));
  process.kill(-w.child.pid!, 'SIGKILL');
  await w.done;
  assert.ok(!fs.existsSync(p.status), 'killed while the command ran');
  const f = await wrapper([`--root=${r}`, '--follow=run-2']).done;
  assert.equal(f.code, 0, f.stderr);
  assert.deepEqual(parseRunLine(f.stdout, 'run-2'), { id: 'run-2', state: 'ended', exitCode: 0 });
  assert.match(f.stderr, /runner done/, 'the whole log, from its start');
  assert.ok(fs.existsSync(path.join(r, 'FINISHED')));
});

test('stdin closed: the follower stops ("running") and the command goes on', async (t) => {
  const r = root(t, 'sleep 1; echo "runner done"');
  const res = await wrapper([`--root=${r}`, '--detach=run-3', 'ctl', 'x'], { closeStdin: true }).done;
  assert.deepEqual(parseRunLine(res.stdout, 'run-3'), { id: 'run-3', state: 'running' });
  const p = runPaths(r, 'run-3');
  await until('the status file', () => fs.existsSync(p.status));
  assert.equal(JSON.parse(fs.readFileSync(p.status, 'utf8')).exitCode, 0);
});

test('a run killed on the host leaves no status: --follow says it vanished; an unknown id was not started', async (t) => {
  const r = root(t, 'sleep 30');
  const w = wrapper([`--root=${r}`, '--detach=run-4', 'ctl', 'x'], { closeStdin: true });
  await w.done;
  const p = runPaths(r, 'run-4');
  const { pid } = JSON.parse(fs.readFileSync(p.pid, 'utf8')) as { pid: number };
  // The detached process leads its own process group (setsid): the runner's sleep goes with it.
  process.kill(-pid, 'SIGKILL');
  const f = await wrapper([`--root=${r}`, '--follow=run-4']).done;
  assert.deepEqual(parseRunLine(f.stdout, 'run-4'), { id: 'run-4', state: 'vanished' });
  assert.equal(f.code, 70);
  const none = await wrapper([`--root=${r}`, '--follow=nope']).done;
  assert.deepEqual(parseRunLine(none.stdout, 'nope'), { id: 'nope', state: 'not-started' });
});

test('--detach without --root, or with a bad id, is a usage error (64)', async () => {
  assert.equal((await wrapper(['--detach=x', 'ctl', 'status'], { closeStdin: true }).done).code, 64);
  assert.equal((await wrapper(['--root=/nonexistent', '--follow=../x'], { closeStdin: true }).done).code, 64);
});

test('--follow with --json: a bad id is a JSON error on stderr, code kept', async () => {
  const r = await wrapper(['--root=/nonexistent', '--follow=../x', '--json'], { closeStdin: true }).done;
  assert.equal(r.code, 64);
  assert.equal(JSON.parse(r.stderr.trim()).error.code, 'USAGE');
});
