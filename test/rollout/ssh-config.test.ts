// checkSshConfig: a -F file that every ssh and scp would fail on is one error about that file,
// found locally before any host is contacted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { checkSshConfig } from '../../src/rollout/ssh-config.js';
import { RelupError } from '../../src/errors.js';
import { readableModule, unprivilegedNode } from '../helpers/nobody.js';
import { tempDir } from '../helpers/support.js';

const refused = (code: string, says: RegExp) => (e: unknown) => e instanceof RelupError && e.code === code && says.test(e.line);

test('a readable file passes; a missing one, a directory, a path under a file are NOT_FOUND naming -F', async (t) => {
  const dir = tempDir(t);
  const cfg = path.join(dir, 'ssh_config');
  fs.writeFileSync(cfg, 'Host *\n  User emqx\n');
  await checkSshConfig(cfg);
  await assert.rejects(checkSshConfig(path.join(dir, 'nope')), refused('NOT_FOUND', /^ssh config .*nope \(given with -F\) does not exist; fix the path given to -F, or drop -F to use ~\/\.ssh\/config; no host was contacted$/));
  await assert.rejects(checkSshConfig(path.join(cfg, 'x')), refused('NOT_FOUND', /\(given with -F\) does not exist/));
  await assert.rejects(checkSshConfig(dir), refused('NOT_FOUND', /^ssh config .* \(given with -F\) is not a file; give -F the path of an ssh_config file; no host was contacted$/));
});

test('a file this user cannot read is PERMISSION (77), checked as nobody', (t) => {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755);
  const cfg = path.join(dir, 'ssh_config');
  fs.writeFileSync(cfg, 'Host *\n', { mode: 0o600 });
  const mod = readableModule('rollout/ssh-config.js');
  const code = `require(${JSON.stringify(mod)}).checkSshConfig(${JSON.stringify(cfg)}).then(() => console.log('ok'), (e) => console.log(e.code, e.exitCode))`;
  const [cmd, ...args] = unprivilegedNode();
  const r = spawnSync(cmd!, [...args, '-e', code], { encoding: 'utf8', cwd: '/' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), process.getuid?.() === 0 ? 'PERMISSION 77' : 'ok');
});
