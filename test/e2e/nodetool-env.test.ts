// Issues 9 and 10 against a live fixture node: the fixture nodetool is as strict as EMQX 5's
// (no RUNNER_ROOT_DIR/REL_VSN: badmatch crash), the wrapper's ping exports them and works, and a
// nodetool crash is told apart from a node that is really down.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildFixtures, type Fixtures } from '../../scripts/fixtures/build.js';
import { classifyPing } from '../../src/node/ping.js';
import { Sandbox, runCmd, runInSandbox } from '../helpers/otp.js';

let fx: Fixtures;
let sb: Sandbox;

before(async () => {
  fx = await buildFixtures({ versions: ['5.0.0'] });
  sb = await Sandbox.create({ package: fx.packages['5.0.0']! });
  await sb.start();
});

after(async () => {
  await sb?.cleanup();
});

function nodetool(env: NodeJS.ProcessEnv) {
  return runCmd(path.join(sb.ertsBin, 'escript'), [path.join(sb.root, 'bin', 'nodetool'), '-name', sb.node, '-setcookie', sb.cookie, 'ping'], {
    env,
    cwd: sb.root,
    timeoutMs: 30_000,
  });
}

test('the wrapper pings the live node with the strict nodetool (status and passthrough ping)', async () => {
  const r = await runInSandbox(sb, ['--status', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.nodeAlive, true, r.stdout);
  assert.equal(s.nodetoolError, null);
  // The fixture's own runner exports RUNNER_ROOT_DIR/REL_VSN too, as EMQX's does.
  const ping = await runInSandbox(sb, ['ping']);
  assert.equal(ping.code, 0, ping.stderr);
  assert.match(ping.stdout, /^pong$/m);
});

test('nodetool without RUNNER_ROOT_DIR or REL_VSN crashes (badmatch); the verdict is failed, not down', async () => {
  for (const env of [{ REL_VSN: '5.0.0' }, { RUNNER_ROOT_DIR: '', REL_VSN: '5.0.0' }, { RUNNER_ROOT_DIR: sb.root }]) {
    const r = await nodetool({ ...sb.env, ...env });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no match of right hand side value/);
    const v = classifyPing({ exitCode: r.code, killed: false, stdout: r.stdout, stderr: r.stderr });
    assert.equal(v.kind, 'failed', JSON.stringify(v));
    assert.match((v as { line: string }).line, /exception error: no match of right hand side value/);
  }
  const ok = await nodetool({ ...sb.env, RUNNER_ROOT_DIR: sb.root, REL_VSN: '5.0.0' });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^pong$/m);
});

test('with the node stopped: NODE_DOWN (69) from nodetool\'s own answer, status NOT running', async () => {
  await sb.stopNode();
  const r = await runInSandbox(sb, ['upgrade', '5.0.1']);
  assert.equal(r.code, 69, r.stderr);
  assert.match(r.stderr, /not running or not reachable.*nodetool said: Node .* not responding to pings/);
  const s = await runInSandbox(sb, ['--status']);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /: NOT running$/m);
});
