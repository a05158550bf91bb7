import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Volume, createFsFromVolume } from 'memfs';
import { EKKA_ERL_FLAGS, type FsLike, readReleaseFacts } from '../../src/release/index.js';
import { emqxVars, relupError, snapshot, tempDir, writeTree } from './fixture.js';

test('readReleaseFacts: a full installation on disk', (t) => {
  const root = tempDir(t);
  writeTree(root, {
    'releases/emqx_vars': emqxVars({ enterprise: true, append: 'REL_VSN="5.0.2"\n' }),
    'releases/5.0.2/vm.args': '-name emqx@127.0.0.1\n-setcookie relcookie\n',
    'erts-13.1.5/bin/escript': '#!/bin/sh\n',
    'bin/nodetool': '#!/usr/bin/env escript\n',
    'lib/ekka-0.13.9/ebin/ekka.app': '{application,ekka,[]}.',
    'lib/emqx-5.0.2/ebin/emqx.app': '{application,emqx,[]}.',
  });
  const before = snapshot(root);
  const f = readReleaseFacts(root, { EMQX_NODE__NAME: 'n1@10.0.0.1' });
  assert.equal(f.root, root);
  assert.deepEqual([f.vars.relName, f.vars.relVsn, f.vars.ertsVsn, f.vars.edition], ['emqx', '5.0.2', '13.1.5', 'enterprise']);
  assert.deepEqual([f.node.name, f.node.nameType, f.node.cookie], ['n1@10.0.0.1', '-name', 'relcookie']);
  assert.deepEqual(f.node.cookieSource, { kind: 'file', file: path.join(root, 'releases/5.0.2/vm.args') });
  assert.equal(f.escript, path.join(root, 'erts-13.1.5/bin/escript'));
  assert.equal(f.escriptFromRelease, true);
  assert.equal(f.nodetool, path.join(root, 'bin/nodetool'));
  assert.equal(f.hasEkka, true);
  assert.deepEqual(f.warnings, []);
  assert.deepEqual(snapshot(root), before);
  assert.equal(EKKA_ERL_FLAGS, '-start_epmd false -epmd_module ekka_epmd -proto_dist ekka');
});

test('readReleaseFacts: a bare installation falls back, with warnings', (t) => {
  const root = tempDir(t);
  writeTree(root, { 'releases/emqx_vars': emqxVars(), 'lib/ekka_tools/x': '', 'erts-13.1.5/bin/escript/oops': '' });
  const f = readReleaseFacts(root, {});
  assert.equal(f.escript, 'escript');
  assert.equal(f.escriptFromRelease, false);
  assert.equal(f.nodetool, null);
  assert.equal(f.hasEkka, false);
  assert.deepEqual([f.node.name, f.node.cookie], ['emqx', 'emqxsecretcookie']);
  assert.equal(f.warnings.length, 3);
  assert.match(f.warnings[0]!, /^node name not found /);
  assert.match(f.warnings[1]!, /^node cookie not found .*; using EMQX_DEFAULT_ERLANG_COOKIE from emqx_vars$/);
  assert.equal(f.warnings[2], `${path.join(root, 'erts-13.1.5/bin/escript')} not found; using escript from PATH`);
  assert.ok(f.warnings.every((w) => !w.includes('emqxsecretcookie')));
  fs.rmSync(path.join(root, 'lib'), { recursive: true });
  assert.equal(readReleaseFacts(root, {}).hasEkka, false);
});

test('readReleaseFacts on memfs, and errors from emqx_vars pass through', () => {
  const mfs = createFsFromVolume(
    Volume.fromJSON({
      '/opt/emqx/releases/emqx_vars': emqxVars({ relVsn: '5.1.0', ertsVsn: '13.2' }),
      '/opt/emqx/erts-13.2/bin/escript': '',
      '/opt/emqx/data/configs/vm.2024.01.01.args': '-sname emqx\n',
      '/bad/releases/emqx_vars': 'REL_NAME=emqx\n',
    }),
  ) as unknown as FsLike;
  const f = readReleaseFacts('/opt/emqx', { EMQX_NODE__COOKIE: 'c' }, mfs);
  assert.deepEqual([f.vars.relVsn, f.escript, f.node.name, f.node.nameType, f.node.cookie], ['5.1.0', '/opt/emqx/erts-13.2/bin/escript', 'emqx', '-sname', 'c']);
  assert.equal(relupError(() => readReleaseFacts('/bad', {}, mfs)).exitCode, 78);
  assert.equal(relupError(() => readReleaseFacts('/none', {}, mfs)).exitCode, 66);
});
