// The release readers' few fs calls, on a real file system: what counts as absent, and how a
// failed read of an installation's file reaches the operator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoCode, readdirOrEmpty, readTextFile, realFs, statOrNull } from '../../src/release/fs.js';
import { relupError, writeTree } from './fixture.js';
import { tempDir } from '../helpers/support.js';

test('statOrNull and readdirOrEmpty: a missing path, or one under a file, is absent', (t) => {
  const root = tempDir(t);
  writeTree(root, { 'releases/emqx_vars': 'A=1\n', 'releases/5.0.1/emqx.rel': '' });
  assert.equal(statOrNull(realFs, path.join(root, 'releases/emqx_vars'))?.isFile(), true);
  assert.equal(statOrNull(realFs, path.join(root, 'releases'))?.isDirectory(), true);
  assert.equal(statOrNull(realFs, path.join(root, 'nope')), null);
  assert.equal(statOrNull(realFs, path.join(root, 'releases/emqx_vars/x')), null, 'ENOTDIR');
  assert.deepEqual(readdirOrEmpty(realFs, path.join(root, 'releases')).sort(), ['5.0.1', 'emqx_vars']);
  assert.deepEqual(readdirOrEmpty(realFs, path.join(root, 'nope')), []);
  assert.deepEqual(readdirOrEmpty(realFs, path.join(root, 'releases/emqx_vars')), [], 'ENOTDIR');
});

test('statOrNull and readdirOrEmpty throw every other error (a symlink loop: ELOOP)', (t) => {
  const root = tempDir(t);
  fs.symlinkSync('loop', path.join(root, 'loop'));
  assert.throws(() => statOrNull(realFs, path.join(root, 'loop')), (e: unknown) => errnoCode(e) === 'ELOOP');
  assert.throws(() => readdirOrEmpty(realFs, path.join(root, 'loop')), (e: unknown) => errnoCode(e) === 'ELOOP');
});

test('readTextFile: the text; a missing file NOT_FOUND pointing at --root; a directory CONFIG', (t) => {
  const root = tempDir(t);
  writeTree(root, { 'releases/emqx_vars': 'REL_VSN=5.0.1\n' });
  assert.equal(readTextFile(realFs, path.join(root, 'releases/emqx_vars'), 'reading'), 'REL_VSN=5.0.1\n');
  const missing = relupError(() => readTextFile(realFs, path.join(root, 'releases/RELEASES'), 'reading the releases'));
  assert.equal(missing.exitCode, 66);
  assert.match(missing.line, /RELEASES does not exist \(while reading the releases\); pass --root with the right EMQX directory$/);
  assert.deepEqual(missing.details, { file: path.join(root, 'releases/RELEASES') });
  const dir = relupError(() => readTextFile(realFs, path.join(root, 'releases'), 'reading emqx_vars'));
  assert.deepEqual([dir.code, dir.exitCode], ['CONFIG', 78]);
  assert.match(dir.line, /releases is a directory, not a file \(while reading emqx_vars\); pass --root/);
});

test('errnoCode: the code of an fs error, undefined for anything else', () => {
  assert.equal(errnoCode(Object.assign(new Error('x'), { code: 'EACCES' })), 'EACCES');
  assert.equal(errnoCode(new Error('x')), undefined);
  assert.equal(errnoCode(undefined), undefined);
});
