// The verdict on one `nodetool eval nodes()` run as plain data: names, or the line saying why not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyPeers, PEERS_EXPR, type PeersVerdict } from '../../src/node/peers.js';
import type { NodetoolRun } from '../../src/node/ping.js';

const run = (over: Partial<NodetoolRun>): NodetoolRun => ({ exitCode: 0, killed: false, stdout: '', stderr: '', ...over });

const table: [string, NodetoolRun, PeersVerdict][] = [
  ['not clustered', run({ stdout: '[]\n' }), { kind: 'ok', peers: [] }],
  ['two peers, sorted', run({ stdout: '["emqx@b","emqx@a"]\n' }), { kind: 'ok', peers: ['emqx@a', 'emqx@b'] }],
  [
    "EMQX's ~p wraps a long list over lines",
    run({ stdout: '["emqx@node-1.example.com","emqx@node-2.example.com",\n "emqx@node-3.example.com"]\n' }),
    { kind: 'ok', peers: ['emqx@node-1.example.com', 'emqx@node-2.example.com', 'emqx@node-3.example.com'] },
  ],
  ['a name twice counts once', run({ stdout: '["a@h", "a@h"]' }), { kind: 'ok', peers: ['a@h'] }],
  ['something else inside the list', run({ stdout: "['a@h']\n" }), { kind: 'failed', line: "['a@h']" }],
  ['the ping answer is no list', run({ stdout: 'pong\n' }), { kind: 'failed', line: 'pong' }],
  ['rpc failed', run({ exitCode: 1, stderr: "rpc to emqx@h failed: nodedown\n" }), { kind: 'failed', line: 'rpc to emqx@h failed: nodedown' }],
  ['a list on a failing exit is no answer', run({ exitCode: 1, stdout: '[]\n' }), { kind: 'failed', line: '[]' }],
  ['killed on the timeout', run({ exitCode: null, killed: true }), { kind: 'failed', line: 'nodetool eval did not answer within 30 s and was killed' }],
  ['silent failure', run({ exitCode: 2 }), { kind: 'failed', line: 'nodetool eval exited 2 without an answer' }],
];

for (const [name, input, want] of table) {
  test(`classifyPeers: ${name}`, () => assert.deepEqual(classifyPeers(input), want));
}

test('the expression ends with a dot (EMQX nodetool parses it with erl_parse:parse_exprs) and asks for visible nodes only', () => {
  assert.match(PEERS_EXPR, /nodes\(\)\]\.$/);
  assert.doesNotMatch(PEERS_EXPR, /hidden|connected/);
});
