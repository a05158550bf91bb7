// openRegular/openRegularStat on a real file system: a regular file is opened with its identity;
// a FIFO is refused at once (non-blocking), a directory too; a missing file is NOT_FOUND.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { identityOf, openRegularStat, sameFile } from '../../src/package/open.js';
import { RelupError } from '../../src/errors.js';
import { tempDir } from '../helpers/support.js';

test('openRegularStat: the file and the identity fstat saw', async (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'p.tar.gz');
  writeFileSync(f, 'abc');
  const { fh, identity } = await openRegularStat(f, 'reading the package');
  await fh.close();
  assert.deepEqual(identity, identityOf(statSync(f)));
  writeFileSync(`${f}.new`, 'abc');
  execFileSync('mv', ['-f', `${f}.new`, f]);
  assert.equal(sameFile(identity, identityOf(statSync(f))), false, 'the same name and bytes, another file');
});

test('openRegularStat: a FIFO and a directory are BAD_PACKAGE at once; a missing file is NOT_FOUND', async (t) => {
  const dir = tempDir(t);
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  mkdirSync(join(dir, 'd'));
  for (const [name, code] of [
    ['fifo', 'BAD_PACKAGE'],
    ['d', 'BAD_PACKAGE'],
    ['missing', 'NOT_FOUND'],
  ] as const) {
    await assert.rejects(openRegularStat(join(dir, name), 'reading the package'), (e: unknown) => e instanceof RelupError && e.code === code && e.message.includes(join(dir, name)), name);
  }
});
