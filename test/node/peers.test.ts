// The verdict on one `nodetool eval nodes()` run as plain data: names, or the line saying why not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyPeers, PEERS_EXPR, type PeersVerdict } from '../../src/node/peers.js';
import type { NodetoolRun } from '../../src/node/ping.js';
import { runCmd, startEpmd } from '../helpers/otp.js';
import { tempDir } from '../helpers/support.js';

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

// The expression itself, run the way EMQX's nodetool runs it (erl_scan, erl_parse:parse_exprs,
// erl_eval, the value printed with ~p) on a real distributed node connected to a visible peer and
// a hidden one (as nodetool itself connects): only the visible peer comes out.
test('PEERS_EXPR on a real node: parses as nodetool parses it, and names the visible peers only', async (t) => {
  const epmd = await startEpmd();
  t.after(() => epmd.stop());
  const host = '127.0.0.1';
  const erl = [
    // Peers over stdio (booting them over distribution needs more set-up), then connected: the
    // visible one by us, the hidden one from its side, as nodetool connects.
    'Args = ["-setcookie", "peers-test", "-kernel", "inet_dist_use_interface", "{127,0,0,1}"],',
    'Peer = fun(Name, More) -> {ok, P, N} = peer:start_link(#{name => Name, host => "127.0.0.1", longnames => true, connection => standard_io, args => More ++ Args}), {P, N} end,',
    `{_, Visible} = Peer(visible_${process.pid}, []),`,
    `{HiddenPeer, Hidden} = Peer(hidden_${process.pid}, ["-hidden"]),`,
    'true = net_kernel:connect_node(Visible),',
    'true = peer:call(HiddenPeer, net_kernel, connect_node, [node()]),',
    'true = lists:member(Hidden, nodes(hidden)),',
    `{ok, Toks, _} = erl_scan:string(${JSON.stringify(PEERS_EXPR)}),`,
    '{ok, Exprs} = erl_parse:parse_exprs(Toks),',
    '{value, V, _} = erl_eval:exprs(Exprs, []),',
    'io:format("~p~n", [V]), io:format(standard_error, "~s~n", [Visible]), halt().',
  ].join(' ');
  const r = await runCmd('erl', ['-noshell', '-name', `peers_${process.pid}@${host}`, '-setcookie', 'peers-test', '-kernel', 'inet_dist_use_interface', '{127,0,0,1}', '-eval', erl], { cwd: tempDir(t), env: { ...process.env, ERL_EPMD_PORT: String(epmd.port) }, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const verdict = classifyPeers({ exitCode: 0, killed: false, stdout: r.stdout, stderr: '' });
  assert.deepEqual(verdict, { kind: 'ok', peers: [r.stderr.trim()] });
  assert.match(r.stderr.trim(), /^visible_\d+@127\.0\.0\.1$/);
});
