// runDetached over small scripted transports: the launch, a drop and the follow after it, a host
// that stays away (HOST_UNKNOWN), a start that never reached the host. The host side runs for
// real in test/process/detached-run.test.ts and test/faults/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RelupError } from '../../src/errors.js';
import { formatRunLine } from '../../src/process/run-line.js';
import { runDetached } from '../../src/rollout/follow.js';
import type { RemoteEmqx } from '../../src/rollout/remote.js';
import type { ExecOptions, ExecResult, Transport } from '../../src/rollout/ssh.js';

const emqx: RemoteEmqx = { kind: 'installed', command: 'emqx' };
const host = { dest: 'h1', root: '/opt/emqx' };
const res = (exitCode: number, stdout = '', stderr = ''): ExecResult => ({ exitCode, stdout, stderr, timedOut: false });

/** Answers each call with the next of `answers` (given the run id the launch used). */
function scripted(answers: ((id: string) => ExecResult)[]): Transport & { commands: string[] } {
  const commands: string[] = [];
  let id = '';
  return {
    commands,
    async exec(_dest: string, command: string, o: ExecOptions = {}) {
      assert.equal(o.holdStdin, true, 'a follower is always given a held stdin');
      commands.push(command);
      id ||= /--detach=(\S+)/.exec(command)![1]!;
      const next = answers.shift();
      if (!next) throw new Error(`unexpected ${command}`);
      return next(id);
    },
    copy: () => Promise.reject(new Error('no copy')),
    close: async () => {},
  };
}

const spec = { timeoutMs: 10_000, reconnectMs: 200, retryMs: 10 };

test('a run that ends while connected: its exit status and output, without the run line', async () => {
  const t = scripted([(id) => res(3, `step\n${formatRunLine({ id, state: 'ended', exitCode: 3 })}\n`, 'boom\n')]);
  const r = await runDetached(t, host, emqx, ['upgrade', '5.0.1'], 'emqx upgrade 5.0.1', spec);
  assert.deepEqual(r, { exitCode: 3, stdout: 'step\n', stderr: 'boom\n', timedOut: false });
  assert.match(t.commands[0]!, /^emqx --root=\/opt\/emqx --detach=[a-z0-9]+-[0-9a-f]{8} upgrade 5\.0\.1$/);
});

test('the connection drops: the same run is followed again and its real end is taken', async () => {
  const t = scripted([
    () => res(255, '', 'Connection to h1 closed by remote host.\r\n'),
    () => res(255, '', 'ssh: connect to host h1 port 22: Connection refused\r\n'),
    (id) => res(0, formatRunLine({ id, state: 'ended', exitCode: 0 }) + '\n', 'upgrade to 5.0.1: ok\n'),
  ]);
  const r = await runDetached(t, host, emqx, ['upgrade', '5.0.1'], 'emqx upgrade 5.0.1', spec);
  assert.equal(r.exitCode, 0);
  assert.equal(r.stderr, 'upgrade to 5.0.1: ok\n');
  const id = /--detach=(\S+)/.exec(t.commands[0]!)![1]!;
  assert.deepEqual(t.commands.slice(1), [`emqx --root=/opt/emqx --follow=${id} --json`, `emqx --root=/opt/emqx --follow=${id} --json`]);
});

test('the host stays away past the reconnect window: HOST_UNKNOWN (74), never "failed" or "nothing changed"', async () => {
  const refused = () => res(255, '', 'ssh: connect to host h1 port 22: Connection refused\r\n');
  const t = scripted([() => res(255, '', 'client_loop: send disconnect: Broken pipe\r\n'), ...Array.from({ length: 200 }, () => refused)]);
  await assert.rejects(runDetached(t, host, emqx, ['upgrade', '5.0.1'], 'emqx upgrade 5.0.1', spec), (e: RelupError) => {
    assert.equal(e.code, 'HOST_UNKNOWN');
    assert.equal(e.exitCode, 74);
    assert.match(e.message, /^h1: lost the SSH connection during emqx upgrade 5\.0\.1 and could not follow it again within 0 s \(ssh: connect to host h1 port 22: Connection refused\): whether it ended, and how, is unknown$/);
    assert.match(e.hint!, /\/opt\/emqx\/log\/emqx-relup-runs\/[^ ]+\.log; re-run the same command once the host is reachable/);
    assert.doesNotMatch(e.line, /nothing was changed/);
    return true;
  });
});

test('a start that never connected: UNREACHABLE (69), nothing changed, no follow', async () => {
  const t = scripted([() => res(255, '', 'ssh: connect to host h1 port 22: Connection refused\r\n')]);
  await assert.rejects(runDetached(t, host, emqx, ['upgrade', '5.0.1'], 'emqx upgrade 5.0.1', spec), (e: RelupError) => e.code === 'UNREACHABLE' && /nothing was changed/.test(e.line));
  assert.equal(t.commands.length, 1);
});

for (const [state, code, says] of [
  ['not-started', 'UNREACHABLE', /dropped before emqx upgrade 5\.0\.1 started on the host/],
  ['vanished', 'ROLLOUT_HALTED', /ended on the host without an exit status \(killed, or the host rebooted/],
] as const) {
  test(`a follow that finds the run ${state}: ${code}`, async () => {
    const t = scripted([() => res(255, '', 'Connection to h1 closed by remote host.\r\n'), (id) => res(0, formatRunLine({ id, state }) + '\n')]);
    await assert.rejects(runDetached(t, host, emqx, ['upgrade', '5.0.1'], 'emqx upgrade 5.0.1', spec), (e: RelupError) => e.code === code && says.test(e.message));
  });
}
