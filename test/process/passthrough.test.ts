// Passed-through commands go to the release's own runner <root>/bin/emqx, which must exist and must
// not be this wrapper (as the same file, a link to it, a copy, or the runner we were started as).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { passthrough, passthroughExec, type PassthroughRequest, resolveRunner } from '../../src/process/passthrough.js';
import { RelupError } from '../../src/errors.js';
import { ENV_PASSTHROUGH } from '../../src/release/wrapper-marker.js';
import { makeFakeRoot, wrapperBin } from '../helpers/fake-root.js';

function fakeRoot(t: { after(fn: () => void): void }) {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  return fr;
}

const request = (root: string, over: Partial<PassthroughRequest> = {}): PassthroughRequest => ({
  rootFlag: root,
  command: 'ctl',
  rest: ['conf', 'show', '--json'],
  invoked: '/usr/local/bin/emqx',
  cwd: '/',
  env: {},
  ...over,
});

const isWrapper = (e: unknown) => e instanceof RelupError && e.code === 'RUNNER_IS_WRAPPER' && e.exitCode === 70 && /bin\/emqx is this emqx-relup wrapper, not the release's own runner script; reinstall/.test(e.line);

test("the runner gets the command and every word unchanged, and the runner's real path to recognise a loop", async (t) => {
  const fr = fakeRoot(t);
  const runner = path.join(fr.root, 'bin', 'emqx');
  assert.deepEqual(await passthroughExec(request(fr.root)), {
    root: fr.root,
    exec: { file: runner, args: ['ctl', 'conf', 'show', '--json'], cwd: '/', env: { [ENV_PASSTHROUGH]: fs.realpathSync(runner) } },
  });
  // Run for real: the stand-in runner records its arguments and the variable, and exits 7.
  assert.equal(await passthrough(request(fr.root, { env: { PATH: process.env.PATH } })), 7);
  assert.deepEqual(fr.calls(), [{ prog: 'runner', args: 'ctl conf show --json', env: { [ENV_PASSTHROUGH]: fs.realpathSync(runner) } }]);
});

test('no runner: NOT_FOUND, saying the command has nowhere to go', async (t) => {
  const fr = fakeRoot(t);
  fs.rmSync(path.join(fr.root, 'bin', 'emqx'));
  await assert.rejects(resolveRunner(request(fr.root)), (e: unknown) => e instanceof RelupError && e.code === 'NOT_FOUND' && e.line === `${fr.root}/bin/emqx does not exist, so 'ctl' has nowhere to go; check --root, or reinstall the release`);
  fs.symlinkSync('gone', path.join(fr.root, 'bin', 'emqx'));
  await assert.rejects(resolveRunner(request(fr.root)), (e: unknown) => e instanceof RelupError && e.code === 'NOT_FOUND', 'a dangling link');
});

test('the runner is this wrapper: started as it, a link to it, a copy of it, or the runner we were started as', async (t) => {
  const fr = fakeRoot(t);
  const runner = path.join(fr.root, 'bin', 'emqx');
  await assert.rejects(resolveRunner(request(fr.root, { invoked: runner })), isWrapper, 'invoked as the runner itself');
  await assert.rejects(resolveRunner(request(fr.root, { env: { [ENV_PASSTHROUGH]: fs.realpathSync(runner) } })), isWrapper, 'the runner handed us on again');
  fs.rmSync(runner);
  fs.symlinkSync(wrapperBin, runner);
  await assert.rejects(resolveRunner(request(fr.root)), isWrapper, 'a link to the wrapper');
  fs.rmSync(runner);
  fs.copyFileSync(wrapperBin, runner);
  await assert.rejects(resolveRunner(request(fr.root)), isWrapper, 'a copy: recognised by its marker');
});

test('a FIFO as the runner is not mistaken for the wrapper, and not waited on', async (t) => {
  const fr = fakeRoot(t);
  const runner = path.join(fr.root, 'bin', 'emqx');
  fs.rmSync(runner);
  execFileSync('mkfifo', [runner]);
  assert.deepEqual(await resolveRunner(request(fr.root)), { root: fr.root, runner });
});
