import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Volume, createFsFromVolume } from 'memfs';
import { type FsLike, chooseRoot, findRoot, rootOfBinFile, selfPath, versionFromScriptName } from '../../src/release/index.js';
import { emqxVars, writeTree, relupError, asNobody } from './fixture.js';
import { tempDir } from '../helpers/support.js';

const self = (invoked: string, real = invoked) => ({ invoked, real });
/** The chain of a choice as [dir, source] pairs. */
function chain(c: ReturnType<typeof chooseRoot> | null): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (; c; c = c.orElse) out.push([c.dir, c.source]);
  return out;
}

test('chooseRoot: --root, then EMQX_ROOT, then RUNNER_ROOT_DIR, each final', () => {
  const env = { EMQX_ROOT: '/e', RUNNER_ROOT_DIR: '/r' };
  const s = self('/opt/emqx/bin/emqx');
  assert.deepEqual(chain(chooseRoot({ flag: '/f', env, self: s, cwd: '/' })), [['/f', '--root']]);
  assert.deepEqual(chain(chooseRoot({ flag: 'rel/dir', env, cwd: '/home/op' })), [['/home/op/rel/dir', '--root']]);
  assert.deepEqual(chain(chooseRoot({ env, self: s, cwd: '/' })), [['/e', 'EMQX_ROOT']]);
  assert.deepEqual(chain(chooseRoot({ env: { RUNNER_ROOT_DIR: '/r/' }, self: s, cwd: '/' })), [['/r', 'RUNNER_ROOT_DIR']]);
  // Empty values count as unset.
  assert.deepEqual(chain(chooseRoot({ flag: '', env: { EMQX_ROOT: '', RUNNER_ROOT_DIR: '' }, cwd: '/' })), [['/usr/lib/emqx', 'default']]);
});

test('chooseRoot: the wrapper location (real, then invoked) is a guess that falls back to /usr/lib/emqx', () => {
  assert.deepEqual(chain(chooseRoot({ self: self('/opt/emqx/bin/emqx'), cwd: '/' })), [
    ['/opt/emqx', 'wrapper location'],
    ['/usr/lib/emqx', 'default'],
  ]);
  // /usr/bin/emqx -> /opt/emqx/bin/emqx: the real path's root first, then /usr.
  assert.deepEqual(chain(chooseRoot({ self: self('/usr/bin/emqx', '/opt/emqx/bin/emqx'), cwd: '/' })), [
    ['/opt/emqx', 'wrapper location'],
    ['/usr', 'wrapper location'],
    ['/usr/lib/emqx', 'default'],
  ]);
  // Along a chain of links: real, then the links backwards, then the invoked path.
  assert.deepEqual(chain(chooseRoot({ self: { invoked: '/usr/bin/emqx', links: ['/a/bin/emqx', '/b/x/emqx'], real: '/c/bin/emqx' }, cwd: '/' })), [
    ['/c', 'wrapper location'],
    ['/a', 'wrapper location'],
    ['/usr', 'wrapper location'],
    ['/usr/lib/emqx', 'default'],
  ]);
  // Not in a bin/ directory: only the default.
  assert.deepEqual(chain(chooseRoot({ self: self('/home/op/emqx-relup/dist/emqx.cjs'), cwd: '/' })), [['/usr/lib/emqx', 'default']]);
  assert.deepEqual(chain(chooseRoot({ cwd: '/' })), [['/usr/lib/emqx', 'default']]);
});

test('rootOfBinFile and versionFromScriptName', () => {
  assert.equal(rootOfBinFile('/opt/emqx/bin/emqx'), '/opt/emqx');
  assert.equal(rootOfBinFile('/opt/emqx/sbin/emqx'), null);
  assert.equal(rootOfBinFile('/emqx'), null);
  for (const [name, v] of [
    ['/opt/emqx/bin/emqx', null],
    ['emqx-5.0.1', '5.0.1'],
    ['/opt/emqx/bin/emqx-5.0.14-rc.1', '5.0.14-rc.1'],
    ['emqx-5.6.1+patch.A', '5.6.1+patch.A'],
    ['emqx-5.0.13-g1a2b3c4d', '5.0.13-g1a2b3c4d'],
    ['emqx-enterprise-5.0.1', null],
    ['emqx-5.0', null],
    ['emqx-', null],
    ['emqx_ctl', null],
    ['install_upgrade.escript-5.0.1', null],
  ] as const) {
    assert.equal(versionFromScriptName(name), v, name);
  }
});

test('findRoot: the first directory holding releases/emqx_vars', (t) => {
  const dir = tempDir(t);
  const root = path.join(dir, 'emqx');
  writeTree(root, { 'releases/emqx_vars': emqxVars(), 'bin/emqx': '#!/bin/sh\n' });
  assert.deepEqual(findRoot(chooseRoot({ flag: root, cwd: '/' })), { root, source: '--root', skipped: [] });
  assert.deepEqual(findRoot(chooseRoot({ self: self(path.join(root, 'bin/emqx')), cwd: '/' })), { root, source: 'wrapper location', skipped: [] });
  // A wrapper whose real home is elsewhere, invoked through <root>/bin/emqx-5.0.2.
  const other = path.join(dir, 'relup');
  fs.mkdirSync(path.join(other, 'bin'), { recursive: true });
  assert.deepEqual(findRoot(chooseRoot({ self: self(path.join(root, 'bin/emqx-5.0.2'), path.join(other, 'bin/emqx')), cwd: '/' })), {
    root,
    source: 'wrapper location',
    skipped: [other],
  });
});

test('findRoot: no installation is NOT_FOUND 66 naming the directory, its source and --root', (t) => {
  const dir = tempDir(t);
  writeTree(dir, { 'releases/other': 'x' });
  for (const [input, source] of [
    [{ flag: dir, cwd: '/' }, 'from --root'],
    [{ env: { EMQX_ROOT: dir }, cwd: '/' }, 'from EMQX_ROOT'],
    [{ env: { RUNNER_ROOT_DIR: path.join(dir, 'nope') }, cwd: '/' }, 'from RUNNER_ROOT_DIR'],
    [{ flag: path.join(dir, 'releases/other'), cwd: '/' }, 'from --root'],
  ] as const) {
    const e = relupError(() => findRoot(chooseRoot(input)));
    assert.equal(e.code, 'NOT_FOUND');
    assert.equal(e.exitCode, 66);
    assert.ok(e.line.includes(source) && e.line.includes('--root') && e.line.includes('releases/emqx_vars'), e.line);
    assert.ok(!e.line.includes('\n'));
  }
});

test('findRoot on memfs: the default /usr/lib/emqx after a wrapper location without an installation', () => {
  const vol = Volume.fromJSON({ '/usr/lib/emqx/releases/emqx_vars': emqxVars(), '/opt/tools/bin/emqx': '' });
  const mfs = createFsFromVolume(vol) as unknown as FsLike;
  const choice = chooseRoot({ self: self('/opt/tools/bin/emqx'), cwd: '/' });
  assert.deepEqual(findRoot(choice, mfs), { root: '/usr/lib/emqx', source: 'default', skipped: ['/opt/tools'] });
  const e = relupError(() => findRoot(choice, createFsFromVolume(Volume.fromJSON({ '/x': '' })) as unknown as FsLike));
  assert.equal(e.exitCode, 66);
  assert.match(e.line, /no EMQX installation at \/usr\/lib\/emqx \(the default\)/);
  assert.deepEqual(e.details?.skipped, ['/opt/tools']);
});

test('findRoot: a root the user cannot search is PERMISSION 77 (checked as nobody)', (t) => {
  const dir = tempDir(t);
  writeTree(dir, { 'releases/emqx_vars': emqxVars() });
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(path.join(dir, 'releases'), 0o700);
  const out = asNobody(`m.findRoot(m.chooseRoot({ flag: ${JSON.stringify(dir)}, cwd: '/' }))`) as { exit: number; line: string };
  assert.equal(out.exit, 77);
  assert.ok(out.line.includes('--root') && out.line.includes(dir), out.line);
});

test('a symlinked <root>/bin/emqx-<v> takes its version from the invoked name and its root from where it is invoked', (t) => {
  const dir = tempDir(t);
  const root = path.join(dir, 'emqx');
  const tool = path.join(dir, 'tool');
  writeTree(root, { 'releases/emqx_vars': emqxVars(), 'bin/emqx': '#!/bin/sh\n' });
  const mod = fileURLToPath(new URL('../../src/release/index.js', import.meta.url));
  // A stand-in wrapper kept outside the release (its own bin/ holds no installation).
  writeTree(tool, {
    'bin/emqx': `#!${process.execPath}
const m = await import(${JSON.stringify(mod)});
const s = m.selfPath(process.argv[1], process.cwd());
const found = m.findRoot(m.chooseRoot({ env: {}, self: s, cwd: process.cwd() }));
console.log(JSON.stringify({ self: s, version: m.versionFromScriptName(s.invoked), found }));
`,
    'package.json': '{"type":"module"}',
  });
  fs.chmodSync(path.join(tool, 'bin/emqx'), 0o755);
  fs.symlinkSync(path.join(tool, 'bin/emqx'), path.join(root, 'bin/emqx-5.0.2'));
  // And /usr/bin-style: a link elsewhere pointing at <root>/bin/emqx-5.0.2 (a link itself).
  fs.mkdirSync(path.join(dir, 'usrbin'));
  fs.symlinkSync(path.join(root, 'bin/emqx-5.0.2'), path.join(dir, 'usrbin/emqx-5.0.2'));

  const run = (file: string) => {
    const r = spawnSync(file, [], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const direct = run(path.join(root, 'bin/emqx-5.0.2'));
  assert.deepEqual(direct.self, { invoked: path.join(root, 'bin/emqx-5.0.2'), links: [], real: path.join(tool, 'bin/emqx') });
  assert.equal(direct.version, '5.0.2');
  assert.deepEqual(direct.found, { root, source: 'wrapper location', skipped: [tool] });

  const viaLink = run(path.join(dir, 'usrbin/emqx-5.0.2'));
  assert.equal(viaLink.version, '5.0.2');
  assert.deepEqual(viaLink.self, { invoked: path.join(dir, 'usrbin/emqx-5.0.2'), links: [path.join(root, 'bin/emqx-5.0.2')], real: path.join(tool, 'bin/emqx') });
  assert.deepEqual(viaLink.found, { root, source: 'wrapper location', skipped: [tool] });

  // Relative invocation from the root's bin/ directory.
  const rel = spawnSync('./emqx-5.0.2', [], { encoding: 'utf8', cwd: path.join(root, 'bin') });
  assert.equal(rel.status, 0, rel.stderr);
  assert.equal(JSON.parse(rel.stdout).found.root, root);
  assert.deepEqual(selfPath('bin/emqx-5.0.2', root), { invoked: path.join(root, 'bin/emqx-5.0.2'), links: [], real: path.join(tool, 'bin/emqx') });
  // A relative link target, and a name that is not a link at all.
  fs.symlinkSync('emqx-5.0.2', path.join(root, 'bin/emqx-5.0.3'));
  assert.deepEqual(selfPath(path.join(root, 'bin/emqx-5.0.3'), '/'), {
    invoked: path.join(root, 'bin/emqx-5.0.3'),
    links: [path.join(root, 'bin/emqx-5.0.2')],
    real: path.join(tool, 'bin/emqx'),
  });
  assert.deepEqual(selfPath(path.join(root, 'bin/emqx'), '/'), { invoked: path.join(root, 'bin/emqx'), links: [], real: path.join(root, 'bin/emqx') });
});
