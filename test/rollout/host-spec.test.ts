// What a host of a rollout may be called and where its release may be: every destination and root
// reaches ssh, scp and a remote shell, so what could be read as an option or expanded is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDest, checkRoot } from '../../src/rollout/host-spec.js';
import { RelupError } from '../../src/errors.js';

const refused = (fn: () => unknown, says: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof RelupError && e.code === 'USAGE' && e.exitCode === 64 && says.test(e.line));

test('checkDest: ssh destinations as operators write them; nothing ssh could take for an option', () => {
  for (const ok of ['node1', 'emqx@10.0.0.5', 'emqx-eu-1.example.com', '[::1]', 'ops%eth0', 'a+b']) assert.equal(checkDest(ok, 'in --hosts'), ok);
  for (const bad of ['-oProxyCommand=x', 'a b', 'a;b', '$(id)', 'a/b', '', 'x'.repeat(256)]) refused(() => checkDest(bad, 'in --hosts'), /^invalid host .* in --hosts; give an SSH destination/);
});

test('checkRoot: absolute, no .., no shell or glob characters; a trailing slash goes', () => {
  assert.equal(checkRoot('/opt/emqx/', 'for node1'), '/opt/emqx');
  assert.equal(checkRoot('/', 'for node1'), '/');
  assert.equal(checkRoot('/data/emqx-5.0,a=b@c+d', 'for node1'), '/data/emqx-5.0,a=b@c+d');
  for (const bad of ['opt/emqx', '/opt/../etc', '/opt/emqx*', '/opt/$HOME', '/opt/a b', `/${'x'.repeat(1024)}`]) refused(() => checkRoot(bad, 'for node1'), /^invalid release root .* for node1; give an absolute path/);
});
