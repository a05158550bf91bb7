// The one-file wrapper's entry (dist/emqx.cjs, run by bin/emqx): the exit status is main's, and
// while it waits for a runner the command line ps shows carries no --root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundle, makeFakeRoot, wrapperBin } from '../helpers/fake-root.js';
import { tempDir } from '../helpers/support.js';

const run = promisify(execFile);

test("the exit status is main's: the runner's own for a passed-through command, 64 for a bad command line", (t) => {
  const fr = makeFakeRoot();
  t.after(() => fr.cleanup());
  const env = { ...process.env, EMQX_ROOT: '' };
  assert.equal(spawnSync(process.execPath, [bundle, '--root', fr.root, 'ping'], { env, encoding: 'utf8' }).status, 7, 'the stand-in runner exits 7');
  const bad = spawnSync(process.execPath, [bundle, '--root', fr.root, 'upgrade', '5.0.1', '--no-permanet'], { env, encoding: 'utf8' });
  assert.equal(bad.status, 64, bad.stderr);
  assert.match(bad.stderr, /^emqx: error: unknown option "--no-permanet" .*\(did you mean --no-permanent\?\)/);
});

// The real thing: while the wrapper waits for the runner it hands a command to, `ps -ef` must
// not show `-root <root>` for the wrapper, as EMQX's runner greps for it to find the node.
test('a passed-through command leaves no "-root <root>" in ps while the runner runs', async (t) => {
  const root = tempDir(t, 'relup-title-');
  fs.mkdirSync(path.join(root, 'bin'));
  fs.mkdirSync(path.join(root, 'releases'));
  fs.writeFileSync(path.join(root, 'releases', 'emqx_vars'), 'REL_NAME="emqx"\nREL_VSN="5.0.0"\nERTS_VSN="1"\nIS_ENTERPRISE="no"\n');
  // A runner that does what EMQX's does first for a command that does not boot the node.
  fs.writeFileSync(path.join(root, 'bin', 'emqx'), `#!/bin/sh\nps -ef | grep -c -- "-[r]oot ${root}" || true\n`, { mode: 0o755 });
  const r = await run(process.execPath, [wrapperBin, '--root', root, 'ping'], { env: { ...process.env, EMQX_ROOT: '' } });
  assert.equal(r.stdout.trim(), '0', `ps showed the wrapper's --root: ${r.stdout}`);
});
