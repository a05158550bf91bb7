// The ping verdict as plain data: "node down" only when nodetool says the node does not answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyPing, pingError, type NodetoolRun, type PingVerdict } from '../../src/node/ping.js';

const run = (over: Partial<NodetoolRun>): NodetoolRun => ({ exitCode: 1, killed: false, stdout: '', stderr: '', ...over });

const CRASH = `escript: exception error: no match of right hand side value false
  in function  erl_eval:expr/6 (erl_eval.erl, line 496)
  in call from escript:eval_exprs/5 (escript.erl, line 869)
`;
const COOKIE = `=ERROR REPORT==== 2-Dec-2026::09:10:56.659371 ===
Error when reading /root/.erlang.cookie: eacces
escript: exception error: no match of right hand side value {error,nodistribution}
`;
const NO_EPMD = `=INFO REPORT==== 2-Dec-2026::09:10:56.659371 ===
Protocol 'inet_tcp': register/listen error: econnrefused
`;

const table: [string, NodetoolRun, PingVerdict][] = [
  ['pong', run({ exitCode: 0, stdout: 'pong\n' }), { kind: 'alive' }],
  ["EMQX's not responding", run({ stdout: "Node 'emqx@h' not responding to pings.\n" }), { kind: 'down', line: "Node 'emqx@h' not responding to pings." }],
  ["EMQX's failed to connect", run({ stdout: "Failed to connect to node 'emqx@h'.\n" }), { kind: 'down', line: "Failed to connect to node 'emqx@h'." }],
  ['a node named error@h is still down', run({ stdout: "Node 'error@h' not responding to pings.\n" }), { kind: 'down', line: "Node 'error@h' not responding to pings." }],
  ['badmatch crash (no RUNNER_ROOT_DIR)', run({ exitCode: 127, stderr: CRASH }), { kind: 'failed', line: 'escript: exception error: no match of right hand side value false' }],
  ['unreadable cookie: the Error line, not the report header', run({ exitCode: 127, stderr: COOKIE }), { kind: 'failed', line: 'Error when reading /root/.erlang.cookie: eacces' }],
  ['no epmd', run({ stdout: 'cannot start distribution\n', stderr: NO_EPMD }), { kind: 'failed', line: "Protocol 'inet_tcp': register/listen error: econnrefused" }],
  ['a crash before a down line wins', run({ stderr: 'crash dump written\n', stdout: 'Node x not responding to pings.\n' }), { kind: 'failed', line: 'crash dump written' }],
  ['killed on the timeout', run({ exitCode: null, killed: true, stdout: 'Node x not responding to pings.\n' }), { kind: 'failed', line: 'nodetool did not answer within 30 s and was killed' }],
  ['exit 0 without pong', run({ exitCode: 0, stdout: 'hello\n' }), { kind: 'failed', line: 'hello' }],
  ['silent non-zero exit', run({ exitCode: 3 }), { kind: 'failed', line: 'nodetool exited 3 without an answer' }],
  ['killed by a signal, silent', run({ exitCode: null }), { kind: 'failed', line: 'nodetool was killed by a signal without an answer' }],
  ['pong on a failing exit is not alive', run({ exitCode: 1, stdout: 'pong\n' }), { kind: 'failed', line: 'pong' }],
];

for (const [name, input, want] of table) {
  test(`classifyPing: ${name}`, () => assert.deepEqual(classifyPing(input), want));
}

test('pingError: NODE_DOWN (69) advises emqx start; NODETOOL_FAILED (70) does not', () => {
  const node = { name: 'emqx@h', nameType: '-name' as const, cookie: 'c' };
  const down = pingError(node, { kind: 'down', line: "Node 'emqx@h' not responding to pings." });
  assert.equal(down.code, 'NODE_DOWN');
  assert.equal(down.exitCode, 69);
  assert.match(down.line, /emqx start/);
  const failed = pingError(node, { kind: 'failed', line: 'Error when reading /root/.erlang.cookie: eacces' });
  assert.equal(failed.code, 'NODETOOL_FAILED');
  assert.equal(failed.exitCode, 70);
  assert.match(failed.line, /nodetool failed.*unknown: Error when reading \/root\/\.erlang\.cookie: eacces/);
  assert.doesNotMatch(failed.line, /emqx start|not running/);
});
