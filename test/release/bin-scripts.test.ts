// Whether a version's two scripts are in bin/, on a real file system: both must be non-empty
// files (a link to one counts; a directory, an empty file or a dangling link does not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nonEmptyFile, scriptsPresent } from '../../src/release/bin-scripts.js';
import { tempDir } from '../helpers/support.js';

test('scriptsPresent: both non-empty files, or not present', async (t) => {
  const root = tempDir(t);
  const bin = join(root, 'bin');
  mkdirSync(bin);
  assert.equal(await scriptsPresent(root, '5.0.1'), false);
  writeFileSync(join(bin, 'emqx-5.0.1'), '#!/bin/sh\n');
  assert.equal(await scriptsPresent(root, '5.0.1'), false, 'one alone is not enough');
  writeFileSync(join(bin, 'install_upgrade.escript-5.0.1'), '');
  assert.equal(await scriptsPresent(root, '5.0.1'), false, 'an empty escript is none');
  writeFileSync(join(bin, 'install_upgrade.escript-5.0.1'), '%% x\n');
  assert.equal(await scriptsPresent(root, '5.0.1'), true);
  assert.equal(await scriptsPresent(root, '5.0.10'), false, 'the version is matched exactly');
});

test('nonEmptyFile: a link to a file counts; a directory, a dangling link or a path under a file do not', async (t) => {
  const root = tempDir(t);
  writeFileSync(join(root, 'f'), 'x');
  symlinkSync(join(root, 'f'), join(root, 'link'));
  symlinkSync(join(root, 'gone'), join(root, 'dangling'));
  mkdirSync(join(root, 'd'));
  assert.equal(await nonEmptyFile(join(root, 'link')), true);
  for (const p of ['d', 'dangling', 'f/under', 'missing']) assert.equal(await nonEmptyFile(join(root, p)), false, p);
});
