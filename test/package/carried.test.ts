// The hand-over's carried package facts (package/carried.ts) as plain data: what is carried, what
// a newer wrapper may take for the very same file, when it must read again, and the refusal of a
// package replaced in between. The real hand-over is proved in test/execute.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCarried, encodeCarried, fromCarried } from '../../src/package/carried.js';
import { NOTHING, type PackageRead } from '../../src/package/read.js';
import { RelupError } from '../../src/errors.js';

const P = '/opt/emqx/releases/emqx-5.0.1.tar.gz';
const ID = { dev: 64769, ino: 1234, size: 100_000, mtimeMs: 1_700_000_000_123.5 };
const SHA = 'ab'.repeat(32);
const relup = { version: '5.0.1', upFrom: ['5.0.0'], downTo: ['5.0.0'] };
const read = (over: Partial<PackageRead> = {}): PackageRead => ({
  path: P,
  needs: { scripts: '5.0.1', relup: '5.0.1', vars: true, hash: true },
  identity: ID,
  sha256: SHA,
  bytesRead: ID.size,
  entriesSeen: 5000,
  scripts: { kind: 'found', files: [{ dest: 'emqx-5.0.1', data: Buffer.from('#!/bin/sh\n') }] },
  relup: { kind: 'found', relup, file: `releases/5.0.1/relup in ${P}` },
  vars: { kind: 'found', file: `releases/emqx_vars in ${P}`, text: 'REL_VSN="5.0.1"\n' },
  failure: null,
  ...over,
});
const carried = (r: PackageRead) => decodeCarried(encodeCarried([r])).get(P)!;

test('carried: identity, sha256, relup and emqx_vars travel; the scripts never do', () => {
  const c = carried(read());
  assert.deepEqual(c.identity, ID);
  assert.equal(c.sha256, SHA);
  assert.deepEqual(c.relup, { version: '5.0.1', file: `releases/5.0.1/relup in ${P}`, relup });
  assert.deepEqual(c.vars, { file: `releases/emqx_vars in ${P}`, text: 'REL_VSN="5.0.1"\n' });
  assert.doesNotMatch(encodeCarried([read()]), /#!\/bin\/sh/, 'no script bytes in the environment');
});

test('carried: the very same file gives the facts asked for, with nothing read', () => {
  const got = fromCarried(carried(read()), ID, { ...NOTHING, relup: '5.0.1', vars: true, hash: true });
  assert.ok(got);
  assert.equal(got.bytesRead, 0);
  assert.equal(got.sha256, SHA);
  assert.deepEqual(got.relup, { kind: 'found', relup, file: `releases/5.0.1/relup in ${P}` });
  assert.deepEqual(got.vars, { kind: 'found', file: `releases/emqx_vars in ${P}`, text: 'REL_VSN="5.0.1"\n' });
  assert.equal(got.failure, null);
});

test('carried: an absent relup or emqx_vars stays absent', () => {
  const c = carried(read({ relup: { kind: 'absent', file: `releases/5.0.1/relup in ${P}` }, vars: { kind: 'absent', file: `releases/emqx_vars in ${P}` } }));
  const got = fromCarried(c, ID, { ...NOTHING, relup: '5.0.1', vars: true });
  assert.deepEqual([got?.relup?.kind, got?.vars?.kind], ['absent', 'absent']);
});

test('carried: not enough to go on means read the package again', () => {
  const table: [string, PackageRead, Parameters<typeof fromCarried>[2]][] = [
    ['the scripts are wanted', read(), { ...NOTHING, scripts: '5.0.1' }],
    ['a hash was not taken', read({ sha256: null }), { ...NOTHING, hash: true }],
    ['the relup of another version', read(), { ...NOTHING, relup: '5.0.2' }],
    ['emqx_vars was not read', read({ needs: { ...NOTHING, relup: '5.0.1', hash: true }, vars: null }), { ...NOTHING, vars: true }],
  ];
  for (const [name, r, needs] of table) assert.equal(fromCarried(carried(r), ID, needs), null, name);
});

test('carried: another file under the same path is PACKAGE_CHANGED (75) for every fact asked', () => {
  for (const other of [{ ...ID, ino: 99 }, { ...ID, size: 1 }, { ...ID, mtimeMs: ID.mtimeMs + 1 }, { ...ID, dev: 1 }]) {
    const got = fromCarried(carried(read()), other, { ...NOTHING, relup: '5.0.1', hash: true });
    assert.ok(got?.failure instanceof RelupError);
    assert.equal(got.failure.code, 'PACKAGE_CHANGED');
    assert.equal(got.failure.exitCode, 75);
    assert.match(got.failure.line, /was replaced while the upgrade ran .*nothing more was done; make sure nothing else writes to releases\/, then run the command again$/);
    assert.equal(got.sha256, null);
    assert.equal(got.relup?.kind, 'error');
  }
});

test('carried: a failed read is not carried; anything malformed counts as nothing carried', () => {
  assert.equal(decodeCarried(encodeCarried([read({ failure: new RelupError('BAD_PACKAGE', 'truncated') })])).size, 0);
  assert.equal(decodeCarried(encodeCarried([read({ identity: null })])).size, 0);
  for (const raw of [undefined, '', 'not json', '{"format":2,"packages":[]}', '{"format":1}', '{"format":1,"packages":[{"path":1}]}', '{"format":1,"packages":[{"path":"/p","identity":{"dev":"x"}}]}']) {
    assert.equal(decodeCarried(raw).size, 0, String(raw));
  }
});
