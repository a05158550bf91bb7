import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { titleWithoutRoot } from '../../src/cli/proc-title.js';
import { wrapperBin } from '../helpers/fake-root.js';

const run = promisify(execFile);

test('titleWithoutRoot drops the root words before --, and only them', () => {
  const cases: Array<[string[], string | null]> = [
    [['--root', '/opt/emqx', 'upgrade', '5.0.1'], 'emqx upgrade 5.0.1'],
    [['upgrade', '5.0.1', '--root', '/opt/emqx', '--no-permanent'], 'emqx upgrade 5.0.1 --no-permanent'],
    [['--root=/opt/emqx', 'ping'], 'emqx ping'],
    [['ctl', '--', '--root', '/x'], null],
    [['--root', '/a', 'ctl', '--', '--root', '/x'], 'emqx ctl -- --root /x'],
    [['upgrade', '5.0.1'], null],
    [['--root'], 'emqx'],
  ];
  for (const [argv, want] of cases) assert.equal(titleWithoutRoot(argv), want, argv.join(' '));
});

// The real thing: while the wrapper waits for the runner it hands a command to, `ps -ef` must
// not show `-root <root>` for the wrapper, as EMQX's runner greps for it to find the node.
test('a passed-through command leaves no "-root <root>" in ps while the runner runs', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-title-'));
  try {
    fs.mkdirSync(path.join(root, 'bin'));
    fs.mkdirSync(path.join(root, 'releases'));
    fs.writeFileSync(path.join(root, 'releases', 'emqx_vars'), 'REL_NAME="emqx"\nREL_VSN="5.0.0"\nERTS_VSN="1"\nIS_ENTERPRISE="no"\n');
    // A runner that does what EMQX's does first for a command that does not boot the node.
    fs.writeFileSync(path.join(root, 'bin', 'emqx'), `#!/bin/sh\nps -ef | grep -c -- "-[r]oot ${root}" || true\n`, { mode: 0o755 });
    const r = await run(process.execPath, [wrapperBin, '--root', root, 'ping'], { env: { ...process.env, EMQX_ROOT: '' } });
    assert.equal(r.stdout.trim(), '0', `ps showed the wrapper's --root: ${r.stdout}`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
