import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickApplet } from '../../src/cli/applet.js';

test('the name the executable is called by picks the applet, else its first word does', () => {
  const cases: Array<[string, string[], string, string[]]> = [
    ['/usr/local/bin/emqx', ['--status'], 'emqx', ['--status']],
    ['emqx', ['upgrade', '5.0.1'], 'emqx', ['upgrade', '5.0.1']],
    ['/opt/emqx/bin/emqx-5.0.1', ['ping'], 'emqx', ['ping']],
    // The wrapper's own words are never read as an applet name.
    ['emqx', ['emqx-relup'], 'emqx', ['emqx-relup']],
    ['emqx-relup', ['rollout', 'p.tar.gz'], 'emqx-relup', ['rollout', 'p.tar.gz']],
    ['./emqx-relup-0.1.0-linux-x64', ['status'], 'emqx-relup', ['status']],
    // The copy staged on a host is named by its sha256: the first word says which applet.
    ['/r/releases/.emqx-relup/exe/0f3a', ['emqx', '--root=/r', '--status'], 'emqx', ['--root=/r', '--status']],
    ['/r/releases/.emqx-relup/exe/0f3a', ['emqx-relup', '--version'], 'emqx-relup', ['--version']],
    ['/r/releases/.emqx-relup/exe/0f3a', [], 'emqx-relup', []],
    ['emqx-relup-x', ['--help'], 'emqx-relup', ['--help']],
    ['emqxx', ['status'], 'emqx-relup', ['status']],
  ];
  for (const [name, args, applet, rest] of cases) {
    assert.deepEqual(pickApplet(name, args), { applet, args: rest }, `${name} ${args.join(' ')}`);
  }
});

test('the executable\'s entry answers a lone --version before loading anything else', async () => {
  const { execFileSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const { toolVersion } = await import('../../src/tool-version.js');
  const entry = fileURLToPath(new URL('../../src/cli/exe-bundle.js', import.meta.url));
  for (const name of ['emqx', 'emqx-relup']) {
    // argv[1] is the name it was called by, as SEA sets it; here the compiled entry stands in.
    assert.equal(execFileSync(process.execPath, ['-e', `process.argv = [process.argv[0], ${JSON.stringify(name)}, '--version']; import(${JSON.stringify(entry)})`], { encoding: 'utf8' }), `${toolVersion()}\n`);
  }
  const app = await import('../../src/cli/exe-app.js');
  assert.equal(typeof app.runWrapper, 'function');
  assert.equal(typeof app.relupMain, 'function');
});
