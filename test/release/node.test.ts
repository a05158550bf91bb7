import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Volume, createFsFromVolume } from 'memfs';
import { type FsLike, describeSource, parseVmArgs, readNodeInfo, requireCookie, resolveNode, vmArgsCandidates } from '../../src/release/index.js';
import { relupError, writeTree, asNobody } from './fixture.js';
import { tempDir } from '../helpers/support.js';

test('vm.args: name, sname, cookie, comments, quotes, later flags win', () => {
  assert.deepEqual(parseVmArgs('-name emqx@127.0.0.1\n-setcookie emqxsecretcookie\n'), {
    name: { value: 'emqx@127.0.0.1', type: '-name' },
    cookie: 'emqxsecretcookie',
  });
  assert.deepEqual(parseVmArgs('## comment -name wrong@x\n\n  -sname  node1  # trailing\n'), { name: { value: 'node1', type: '-sname' } });
  assert.deepEqual(parseVmArgs('-setcookie "a b#c"\n-setcookie \'it"s\'\n'), { cookie: 'it"s' });
  assert.deepEqual(parseVmArgs('-setcookie "a b#c"\n'), { cookie: 'a b#c' });
  assert.deepEqual(parseVmArgs('-setcookie "open\n-name n@h\n'), { cookie: 'open', name: { value: 'n@h', type: '-name' } });
  assert.deepEqual(parseVmArgs('-setcookie "with space"\n'), { cookie: 'with space' });
  assert.deepEqual(parseVmArgs('-setcookie a\\ b\r\n-name n@h\r\n'), { cookie: 'a b', name: { value: 'n@h', type: '-name' } });
  assert.deepEqual(parseVmArgs('-name a@h\n-sname b\n'), { name: { value: 'b', type: '-sname' } });
  // Other flags, their values, and -args_file are skipped.
  assert.deepEqual(parseVmArgs('+P 2097152\n-env ERL_MAX_PORTS 1048576\n-args_file /etc/x\n-heart\n-name e@h\n'), { name: { value: 'e@h', type: '-name' } });
  // A flag at the very end without a value, and unexpanded templates, give nothing.
  assert.deepEqual(parseVmArgs('-name\n'), {});
  assert.deepEqual(parseVmArgs('-name ${NODE_NAME}\n-setcookie {{ cookie }}\n'), {});
  assert.deepEqual(parseVmArgs(''), {});
});

const fileA = { file: '/r/data/configs/vm.2.args', args: { name: { value: 'emqx@10.0.0.1', type: '-name' as const }, cookie: 'gen' } };
const fileB = { file: '/r/releases/5.0.1/vm.args', args: { name: { value: 'tmpl@127.0.0.1', type: '-name' as const }, cookie: 'tmpl' } };

test('resolveNode: environment first, both spellings, @ decides -name', () => {
  const both = resolveNode({ env: { EMQX_NODE__NAME: 'a@h', EMQX_NODE__COOKIE: 'c1', EMQX_NODE_NAME: 'b', EMQX_NODE_COOKIE: 'c2' }, files: [fileA], defaultCookie: 'd' });
  assert.deepEqual(both, {
    name: 'a@h',
    nameType: '-name',
    nameSource: { kind: 'env', variable: 'EMQX_NODE__NAME' },
    cookie: 'c1',
    cookieSource: { kind: 'env', variable: 'EMQX_NODE__COOKIE' },
    fileCookie: { cookie: 'gen', file: fileA.file },
    warnings: [],
  });
  const single = resolveNode({ env: { EMQX_NODE_NAME: 'short', EMQX_NODE_COOKIE: 'c2', EMQX_NODE__NAME: '' }, files: [], defaultCookie: null });
  assert.equal(single.name, 'short');
  assert.equal(single.nameType, '-sname');
  assert.deepEqual(single.nameSource, { kind: 'env', variable: 'EMQX_NODE_NAME' });
  assert.deepEqual(single.cookieSource, { kind: 'env', variable: 'EMQX_NODE_COOKIE' });
});

test('resolveNode: name and cookie come from their own first source', () => {
  // Name from the environment, cookie from the generated vm.args.
  const mixed = resolveNode({ env: { EMQX_NODE__NAME: 'x@y' }, files: [fileA, fileB], defaultCookie: 'd' });
  assert.equal(mixed.name, 'x@y');
  assert.equal(mixed.cookie, 'gen');
  assert.deepEqual(mixed.cookieSource, { kind: 'file', file: fileA.file });
  // Generated file without a cookie (recent EMQX): the cookie of the next file.
  const noCookie = resolveNode({ env: {}, files: [{ ...fileA, args: { name: fileA.args.name } }, fileB], defaultCookie: 'd' });
  assert.deepEqual([noCookie.name, noCookie.cookie], ['emqx@10.0.0.1', 'tmpl']);
  assert.deepEqual(noCookie.cookieSource, { kind: 'file', file: fileB.file });
  // The vm.args flag type is kept, even for a -sname with a host part.
  const sname = resolveNode({ env: {}, files: [{ file: 'f', args: { name: { value: 'n@host', type: '-sname' } } }], defaultCookie: 'd' });
  assert.equal(sname.nameType, '-sname');
  assert.equal(sname.warnings.length, 1);
  assert.match(sname.warnings[0]!, /^node cookie not found \(.*no -setcookie in f\); using EMQX_DEFAULT_ERLANG_COOKIE from emqx_vars$/);
});

test('resolveNode: defaults with warnings that never hold the cookie', () => {
  const d = resolveNode({ env: {}, files: [], defaultCookie: 'emqxsecretcookie' });
  assert.deepEqual([d.name, d.nameType, d.cookie], ['emqx', '-sname', 'emqxsecretcookie']);
  assert.deepEqual([d.nameSource, d.cookieSource], [{ kind: 'default' }, { kind: 'default' }]);
  assert.equal(d.warnings.length, 2);
  assert.match(d.warnings[0]!, /^node name not found \(.*no -name\/-sname in any vm\.args\); using "emqx"$/);
  assert.ok(d.warnings.every((w) => !w.includes('emqxsecretcookie')));
  assert.match(d.warnings[1]!, /EMQX_DEFAULT_ERLANG_COOKIE/);
  assert.equal(requireCookie(d), 'emqxsecretcookie');

  const none = resolveNode({ env: {}, files: [], defaultCookie: null });
  assert.equal(none.cookie, null);
  const e = relupError(() => requireCookie(none));
  assert.equal(e.exitCode, 78);
  assert.match(e.line, /EMQX_NODE__COOKIE/);
});

test('describeSource', () => {
  assert.equal(describeSource({ kind: 'env', variable: 'EMQX_NODE__NAME' }), 'environment EMQX_NODE__NAME');
  assert.equal(describeSource({ kind: 'file', file: '/r/etc/vm.args' }), '/r/etc/vm.args');
  assert.equal(describeSource({ kind: 'default' }), 'default');
});

test('vmArgsCandidates: the newest generated vm.*.args by name, then releases/<v>, then etc', () => {
  const names = ['app.2023.01.01.10.00.00.config', 'vm.2023.01.01.10.00.00.args', 'vm.2023.03.01.09.00.00.args', 'vm.2023.02.01.10.00.00.args', 'vm.args', 'vm.args.bak'];
  assert.deepEqual(vmArgsCandidates('/r', '5.0.1', names), ['/r/data/configs/vm.2023.03.01.09.00.00.args', '/r/releases/5.0.1/vm.args', '/r/etc/vm.args']);
  assert.deepEqual(vmArgsCandidates('/r', '5.0.1', []), ['/r/releases/5.0.1/vm.args', '/r/etc/vm.args']);
});

test('readNodeInfo on memfs: generated file wins over the templates', () => {
  const vol = Volume.fromJSON({
    '/r/data/configs/vm.2023.01.01.args': '-name old@h\n-setcookie old\n',
    '/r/data/configs/vm.2023.05.01.args': '-name new@h\n-setcookie new\n',
    '/r/releases/5.0.1/vm.args': '-name tmpl@h\n-setcookie tmpl\n',
    '/r/etc/vm.args': '-name etc@h\n-setcookie etc\n',
  });
  const mfs = createFsFromVolume(vol) as unknown as FsLike;
  const n = readNodeInfo('/r', '5.0.1', {}, 'd', mfs);
  assert.deepEqual([n.name, n.cookie, n.warnings], ['new@h', 'new', []]);
  assert.deepEqual(n.nameSource, { kind: 'file', file: '/r/data/configs/vm.2023.05.01.args' });
  // Only etc/vm.args.
  const etcOnly = createFsFromVolume(Volume.fromJSON({ '/r/etc/vm.args': '-sname solo\n' })) as unknown as FsLike;
  const e = readNodeInfo('/r', '5.0.1', {}, 'dflt', etcOnly);
  assert.deepEqual([e.name, e.nameType, e.cookie], ['solo', '-sname', 'dflt']);
  assert.deepEqual(e.cookieSource, { kind: 'default' });
  assert.equal(e.fileCookie, undefined, 'only a cookie from the environment is compared');
  // Name and cookie from the environment: the files are still read for their cookie, to compare.
  const both = readNodeInfo('/r', '5.0.1', { EMQX_NODE__NAME: 'x@h', EMQX_NODE__COOKIE: 'mine' }, 'd', mfs);
  assert.deepEqual([both.name, both.cookie, both.fileCookie], ['x@h', 'mine', { cookie: 'new', file: '/r/data/configs/vm.2023.05.01.args' }]);
  const noneSet = createFsFromVolume(Volume.fromJSON({ '/r/etc/vm.args': '-name e@h\n' })) as unknown as FsLike;
  assert.equal(readNodeInfo('/r', '5.0.1', { EMQX_NODE__COOKIE: 'mine' }, 'd', noneSet).fileCookie, undefined);
});

test('readNodeInfo on disk: release vm.args, then defaults', (t) => {
  const root = tempDir(t);
  writeTree(root, { 'releases/5.0.1/vm.args': '-name emqx@127.0.0.1\n-setcookie relcookie\n', 'data/configs/app.1.config': '[].' });
  const n = readNodeInfo(root, '5.0.1', { EMQX_NODE_COOKIE: 'envcookie' }, null);
  assert.deepEqual([n.name, n.nameType, n.cookie], ['emqx@127.0.0.1', '-name', 'envcookie']);
  assert.deepEqual(n.nameSource, { kind: 'file', file: path.join(root, 'releases/5.0.1/vm.args') });
  assert.deepEqual(readNodeInfo(root, '5.0.2', {}, 'd').nameSource, { kind: 'default' });
});

test('readNodeInfo: an unreadable vm.args is PERMISSION 77 unless the environment already says everything (as nobody)', (t) => {
  const root = tempDir(t);
  writeTree(root, { 'data/configs/vm.2023.args': '-name a@b\n-setcookie secret\n', 'etc/vm.args': '-name e@h\n' });
  for (const d of [root, path.join(root, 'data'), path.join(root, 'data/configs'), path.join(root, 'etc')]) fs.chmodSync(d, 0o755);
  fs.chmodSync(path.join(root, 'data/configs/vm.2023.args'), 0o600);
  const read = (env: Record<string, string>) => asNobody(`m.readNodeInfo(${JSON.stringify(root)}, '5.0.1', ${JSON.stringify(env)}, null).name`) as { ok?: string; exit?: number; line: string };
  const denied = read({});
  assert.equal(denied.exit, 77);
  assert.ok(denied.line.includes(path.join(root, 'data/configs/vm.2023.args')), denied.line);
  assert.ok(!denied.line.includes('secret'));
  assert.deepEqual(read({ EMQX_NODE__NAME: 'x@y', EMQX_NODE__COOKIE: 'c' }), { ok: 'x@y' });
});
