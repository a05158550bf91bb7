// The node's data dir (EMQX_NODE__DATA_DIR, node.data_dir of etc/emqx.conf, `data`) and the hot
// patches in it: the HOCON reading as a table, the rest on real directories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confDataDir, dataDirOf, readHotPatches } from '../../src/release/data-dir.js';

const rows: Array<[string, string, string | null]> = [
  // As EMQX ships etc/emqx.conf: the tar.gz and the deb/rpm.
  ['the node block of the tar.gz', 'node {\n  name = "emqx@127.0.0.1"\n  cookie = "emqxsecretcookie"\n  data_dir = "data"\n}\n', 'data'],
  ['the node block of the deb', 'node {\n  name = "emqx@127.0.0.1"\n  data_dir = "/var/lib/emqx"\n}\n', '/var/lib/emqx'],
  ['a dotted key, unquoted, with a colon', 'node.data_dir: /srv/emqx # moved\n', '/srv/emqx'],
  ['the last setting wins', 'node { data_dir = "a" }\nnode.data_dir = "b"\n', 'b'],
  ['another block\'s data_dir is not the node\'s', 'other { data_dir = "x" }\nnode { name = "n" }\n', null],
  ['comments are not settings', '# node.data_dir = "x"\n// node.data_dir = "y"\n', null],
  ['an array before it is skipped', 'cluster { static { seeds = ["a@h", "b@h"] } }\nnode { data_dir = "d" }\n', 'd'],
  ['a nested block closes', 'node {\n  x { y = 1 }\n  data_dir = "in"\n}\ndata_dir = "out"\n', 'in'],
  ['nothing', '', null],
];

for (const [name, text, want] of rows) test(`confDataDir: ${name}`, () => assert.equal(confDataDir(text), want));

test('dataDirOf: the environment, then emqx.conf, then <root>/data; relative is under the root', () => {
  assert.deepEqual(dataDirOf('/r', { EMQX_NODE__DATA_DIR: '/d' }, 'node.data_dir = "x"'), { dir: '/d', source: 'environment EMQX_NODE__DATA_DIR', warning: null });
  assert.deepEqual(dataDirOf('/r', { EMQX_NODE__DATA_DIR: 'rel' }, null).dir, '/r/rel');
  assert.deepEqual(dataDirOf('/r', {}, 'node { data_dir = "/var/lib/emqx" }'), { dir: '/var/lib/emqx', source: '/r/etc/emqx.conf', warning: null });
  assert.deepEqual(dataDirOf('/r', {}, 'node { data_dir = "data" }').dir, '/r/data');
  assert.deepEqual(dataDirOf('/r', {}, null), { dir: '/r/data', source: 'default', warning: null });
  const sub = dataDirOf('/r', {}, 'node.data_dir = ${HOME}"/x"');
  assert.equal(sub.dir, '/r/data');
  assert.match(sub.warning ?? '', /sets node\.data_dir through a substitution/);
});

test('readHotPatches: the .beam modules in <data_dir>/patches, sorted; none when it is missing', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'relup-datadir-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  assert.deepEqual(readHotPatches(root, {}), { dir: join(root, 'data', 'patches'), modules: [], warning: null });
  mkdirSync(join(root, 'data', 'patches'), { recursive: true });
  for (const f of ['emqx_cm.beam', 'emqx_broker.beam', 'README', 'x.beam.bak', '.beam']) writeFileSync(join(root, 'data', 'patches', f), '');
  assert.deepEqual(readHotPatches(root, {}).modules, ['emqx_broker', 'emqx_cm']);
  // node.data_dir elsewhere: that one's patches, not <root>/data's.
  mkdirSync(join(root, 'etc'));
  mkdirSync(join(root, 'var', 'patches'), { recursive: true });
  writeFileSync(join(root, 'etc', 'emqx.conf'), 'node {\n  data_dir = "var"\n}\n');
  assert.deepEqual(readHotPatches(root, {}), { dir: join(root, 'var', 'patches'), modules: [], warning: null });
  assert.deepEqual(readHotPatches(root, { EMQX_NODE__DATA_DIR: join(root, 'data') }).modules, ['emqx_broker', 'emqx_cm']);
});
