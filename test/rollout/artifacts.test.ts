// What a rollout ships from this machine: the package (its name read, size and sha256 taken, a
// published .sha256 beside it checked first) and the one-file wrapper from this build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hashFile, readLocalPackage, readShippedWrapper, shippedWrapperPath } from '../../src/rollout/artifacts.js';
import { RelupError } from '../../src/errors.js';
import { repoRoot } from '../helpers/fake-root.js';
import { fileSha256 as sha, tempDir } from '../helpers/support.js';

const refused = (code: string, says: RegExp) => (e: unknown) => e instanceof RelupError && e.code === code && says.test(e.line);

test('a package: its name parsed, size and sha256 of its bytes; a matching .sha256 beside it passes', async (t) => {
  const dir = tempDir(t);
  const pkg = path.join(dir, 'emqx-enterprise-5.0.1-el8-amd64.tar.gz');
  fs.writeFileSync(pkg, Buffer.alloc(70_000, 7));
  const got = await readLocalPackage(path.relative(process.cwd(), pkg));
  assert.deepEqual({ ...got, name: undefined }, { path: pkg, size: 70_000, sha256: sha(pkg), name: undefined });
  assert.equal(got.name.version, '5.0.1');
  assert.equal(got.name.edition, 'enterprise');
  fs.writeFileSync(`${pkg}.sha256`, `${sha(pkg)}  ${path.basename(pkg)}\n`);
  assert.equal((await readLocalPackage(pkg)).sha256, sha(pkg));
});

test('refused before any host is read: not a package name, missing, not a regular file, a .sha256 that disagrees', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(readLocalPackage(path.join(dir, 'notes.tar.gz')), refused('BAD_TARGET', /^"notes\.tar\.gz" is not a package name; give a package named emqx\[-enterprise\]-<version>\[-<platform>\]\.tar\.gz$/));
  await assert.rejects(readLocalPackage(path.join(dir, 'emqx-5.0.1.tar.gz')), refused('NOT_FOUND', /^package .*emqx-5\.0\.1\.tar\.gz does not exist; give the path of the \.tar\.gz to roll out$/));
  fs.mkdirSync(path.join(dir, 'emqx-5.0.2.tar.gz'));
  await assert.rejects(readLocalPackage(path.join(dir, 'emqx-5.0.2.tar.gz')), refused('BAD_PACKAGE', /emqx-5\.0\.2\.tar\.gz is not a regular file; give the path of a \.tar\.gz package$/));
  const pkg = path.join(dir, 'emqx-5.0.3.tar.gz');
  fs.writeFileSync(pkg, 'damaged download');
  fs.writeFileSync(`${pkg}.sha256`, `${'0'.repeat(64)}  emqx-5.0.3.tar.gz\n`);
  await assert.rejects(readLocalPackage(pkg), (e: unknown) => e instanceof RelupError && e.code === 'CHECKSUM_MISMATCH' && e.exitCode === 65);
});

test('hashFile names the path and what we were doing when it fails', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(hashFile(path.join(dir, 'x'), 'reading the thing'), refused('NOT_FOUND', /x does not exist \(while reading the thing\)/));
});

test('the shipped wrapper is this build: dist/emqx.cjs, hashed; missing, it says to build or use --remote-emqx', async (t) => {
  assert.equal(shippedWrapperPath(), path.join(repoRoot, 'dist', 'emqx.cjs'));
  const w = await readShippedWrapper();
  assert.deepEqual(w, { path: shippedWrapperPath(), size: fs.statSync(shippedWrapperPath()).size, sha256: sha(shippedWrapperPath()) });
  const gone = path.join(tempDir(t), 'emqx.cjs');
  await assert.rejects(readShippedWrapper(gone), refused('NOT_FOUND', /^the emqx wrapper to ship \(.*emqx\.cjs\) is missing; run 'npm run build', or pass --remote-emqx CMD/));
});

