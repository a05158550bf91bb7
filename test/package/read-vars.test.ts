// readPackageVars(): releases/emqx_vars out of real packages (GNU tar, erl_tar), kept as data:
// its text, none, or the BAD_PACKAGE error of a damaged member.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readPackageVars } from '../../src/package/read-vars.js';
import { craftTarGz, erlTar, gnuTar, makeReleaseDir, scratch } from '../helpers/pack-fixtures.js';

const scratchDir = scratch('read-vars');
const VARS = 'REL_VSN="5.0.1"\nexport EMQX_LOG_DIR="${EMQX_LOG_DIR:-/opt/emqx/log}"\n';

test('readPackageVars: the text of releases/emqx_vars, from GNU tar and erl_tar packages', async () => {
  const root = scratchDir();
  const dir = makeReleaseDir(path.join(root, 'rel'), { files: { 'releases/emqx_vars': VARS } });
  for (const tgz of [gnuTar(dir, path.join(root, 'emqx-5.0.1.tar.gz')), erlTar(dir, path.join(root, 'emqx-5.0.1-erl.tar.gz'))]) {
    assert.deepEqual(await readPackageVars(tgz), { kind: 'found', file: `releases/emqx_vars in ${tgz}`, text: VARS });
  }
});

test('readPackageVars: a package without it is absent, not an error', async () => {
  const root = scratchDir();
  const tgz = await craftTarGz(path.join(root, 'emqx-5.0.1.tar.gz'), [{ name: 'bin/emqx', data: '#!/bin/sh\n' }]);
  assert.deepEqual(await readPackageVars(tgz), { kind: 'absent', file: `releases/emqx_vars in ${tgz}` });
});

test('readPackageVars: a symlink or a damaged archive is a BAD_PACKAGE kept as data', async () => {
  const root = scratchDir();
  const link = await craftTarGz(path.join(root, 'emqx-5.0.1.tar.gz'), [{ name: 'releases/emqx_vars', type: 'symlink', linkname: '/etc/passwd' }]);
  const got = await readPackageVars(link);
  assert.ok(got.kind === 'error' && got.error.code === 'BAD_PACKAGE' && /releases\/emqx_vars in .* is a symlink, not a regular file/.test(got.error.message), JSON.stringify(got));
  const cut = path.join(root, 'emqx-5.0.2.tar.gz');
  const whole = await craftTarGz(path.join(root, 'whole.tar.gz'), [{ name: 'lib/x', data: randomBytes(3 << 20) }, { name: 'releases/emqx_vars', data: VARS }]);
  fs.writeFileSync(cut, fs.readFileSync(whole).subarray(0, 4096));
  const bad = await readPackageVars(cut);
  assert.ok(bad.kind === 'error' && bad.error.code === 'BAD_PACKAGE', JSON.stringify(bad));
});
