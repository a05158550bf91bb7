// The one durable-write helper, on a real file system.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFile, syncDir, writeSynced } from '../src/durable-file.js';
import { tempDir } from './helpers/support.js';

test('replaceFile: the whole new content under the old name, no temporary left', async (t) => {
  const dir = tempDir(t, 'relup-durable-');
  const f = join(dir, 'state.json');
  writeFileSync(f, 'old');
  await replaceFile(f, 'new', 0o600);
  assert.equal(readFileSync(f, 'utf8'), 'new');
  assert.equal(statSync(f).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ['state.json']);
});

test('replaceFile: a failed rename leaves the old file and no temporary', async (t) => {
  const dir = tempDir(t, 'relup-durable-');
  const target = join(dir, 'is-a-dir');
  // rename() cannot put a file over a non-empty directory.
  writeFileSync(join(dir, 'keep'), 'x');
  await import('node:fs').then((fs) => fs.mkdirSync(join(target, 'inner'), { recursive: true }));
  await assert.rejects(replaceFile(target, 'new'), (e: NodeJS.ErrnoException) => e.code === 'EISDIR' || e.code === 'ENOTEMPTY' || e.code === 'EEXIST');
  assert.deepEqual(readdirSync(dir).sort(), ['is-a-dir', 'keep']);
});

test('writeSynced: wx refuses an existing file and leaves it as it was', async (t) => {
  const dir = tempDir(t, 'relup-durable-');
  const f = join(dir, 'x.sha256');
  await writeSynced(f, 'first', { flag: 'wx' });
  await assert.rejects(writeSynced(f, 'second', { flag: 'wx' }), (e: NodeJS.ErrnoException) => e.code === 'EEXIST');
  assert.equal(readFileSync(f, 'utf8'), 'first');
});

test('syncDir: a missing directory is an error only when strict', async () => {
  await syncDir('/nonexistent-relup-dir');
  await assert.rejects(syncDir('/nonexistent-relup-dir', true), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
});
