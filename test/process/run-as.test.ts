// becomeRunnerUser changes the user of the whole process, so each case runs in a child Node (as
// root, as the tests run; as nobody for the refusal): the ids it ends up with, the environment
// `su -` would set, and the errors when the user is missing or we may not switch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readableModule, unprivilegedNode } from '../helpers/nobody.js';

/** Runs becomeRunnerUser(user, 'upgrade', env) in a child; what it returned or threw, and who it became. */
function inChild(user: string | null, asNobody = false): Record<string, unknown> {
  const mod = readableModule('process/run-as.js');
  const code = `const { becomeRunnerUser } = require(${JSON.stringify(mod)});
    const env = { HOME: '/root', USER: 'root', LOGNAME: 'root', KEPT: 'yes' };
    let out;
    try { out = { became: becomeRunnerUser(${JSON.stringify(user)}, 'upgrade', env) }; }
    catch (e) { out = { code: e.code, exit: e.exitCode, line: e.line }; }
    console.log(JSON.stringify({ ...out, uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(), env }));`;
  const [cmd, ...args] = asNobody ? unprivilegedNode() : [process.execPath];
  const r = spawnSync(cmd!, [...args, '-e', code], { encoding: 'utf8', cwd: '/' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const rootOnly = { skip: process.getuid?.() !== 0 ? 'needs root' : false };

test('as root, RUNNER_USER=nobody: uid, gid and groups of nobody; HOME, USER, LOGNAME as su - sets them; the rest kept', rootOnly, () => {
  const r = inChild('nobody');
  assert.equal(r.became, 'nobody');
  assert.deepEqual([r.uid, r.gid, r.groups], [65534, 65534, [65534]]);
  assert.deepEqual(r.env, { HOME: '/nonexistent', USER: 'nobody', LOGNAME: 'nobody', KEPT: 'yes' });
});

test('no RUNNER_USER, or already that user: nothing changes', rootOnly, () => {
  for (const user of [null, 'root']) {
    const r = inChild(user);
    assert.equal(r.became, null, String(user));
    assert.equal(r.uid, 0);
    assert.deepEqual(r.env, { HOME: '/root', USER: 'root', LOGNAME: 'root', KEPT: 'yes' });
  }
});

test('a RUNNER_USER this machine does not have is CONFIG (78), and we stay root', rootOnly, () => {
  const r = inChild('emqx-no-such-user');
  assert.deepEqual([r.code, r.exit, r.uid], ['CONFIG', 78, 0]);
  assert.equal(r.line, 'releases/emqx_vars sets RUNNER_USER=emqx-no-such-user, but this machine has no user emqx-no-such-user; create the user the installation belongs to, or fix RUNNER_USER in releases/emqx_vars');
});

test('as another user than root and RUNNER_USER: PERMISSION (77) with the two commands that work', rootOnly, () => {
  const r = inChild('root', true);
  assert.deepEqual([r.code, r.exit, r.uid], ['PERMISSION', 77, 65534]);
  assert.match(String(r.line), /runs as user root .*not as nobody; run it as root \(sudo emqx upgrade \.\.\.\).* or as root \(sudo -u root emqx upgrade \.\.\.\)$/);
});
