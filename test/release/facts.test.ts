import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readReleaseFacts } from '../../src/release/index.js';
import { emqxVars, writeTree } from './fixture.js';
import { tempDir } from '../helpers/support.js';

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
