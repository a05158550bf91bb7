import { test } from 'node:test';
import assert from 'node:assert/strict';
import { companionNames, versionedScriptFiles, versionedScripts, versionFromRunnerFile } from '../../src/release/script-names.js';

test('versioned script names, as paths and as bin/ file names', () => {
  assert.deepEqual(versionedScripts('5.0.1'), { runner: 'bin/emqx-5.0.1', escript: 'bin/install_upgrade.escript-5.0.1' });
  assert.deepEqual(versionedScriptFiles('5.0.1-rc.1'), ['emqx-5.0.1-rc.1', 'install_upgrade.escript-5.0.1-rc.1']);
  assert.deepEqual(companionNames('emqx'), ['bin/emqx_ctl', 'bin/nodetool']);
});

for (const [file, want] of [
  ['/opt/emqx/bin/emqx-5.0.1', '5.0.1'],
  ['emqx-5.0.1-rc.1', '5.0.1-rc.1'],
  ['emqx', null],
  ['emqx-', null],
  ['emqx-latest', null],
  ['emqx_ctl-5.0.1', null],
  ['install_upgrade.escript-5.0.1', null],
] as const) {
  test(`versionFromRunnerFile(${JSON.stringify(file)}) is ${want}`, () => {
    assert.equal(versionFromRunnerFile(file), want);
  });
}
