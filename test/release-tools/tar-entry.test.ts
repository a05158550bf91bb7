// Writing tar members one at a time through tar-stream, read back by GNU tar; reading a body into
// memory only up to a bound, while every chunk is still seen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { collect, type EntryHeader, writeEntry } from '../../src/release-tools/tar-entry.js';
import { tempDir } from '../helpers/support.js';

async function* chunks(...parts: Buffer[]): AsyncIterable<Buffer> {
  for (const p of parts) yield p;
}

const header = (name: string, over: Partial<EntryHeader> = {}): EntryHeader => ({ name, type: 'file', mode: 0o644, size: 0, mtime: new Date(315532800_000), uid: 0, gid: 0, ...over });

test('collect keeps the body up to the limit, returns null above it, and hands on every chunk either way', async () => {
  const seen: number[] = [];
  const tap = async (b: Buffer) => {
    seen.push(b.length);
  };
  assert.deepEqual(await collect(chunks(Buffer.from('ab'), Buffer.from('cd')), 4, tap), Buffer.from('abcd'));
  assert.equal(await collect(chunks(Buffer.from('ab'), Buffer.from('cde'), Buffer.from('f')), 4, tap), null);
  assert.deepEqual(seen, [2, 2, 2, 3, 1]);
  assert.deepEqual(await collect(chunks(), 0), Buffer.alloc(0));
});

test('members of every kind, from a Buffer, a stream of chunks or nothing, as GNU tar lists and extracts them', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'p.tar');
  const pack = tar.pack();
  const done = pipeline(pack, fs.createWriteStream(file));
  const big = Buffer.alloc(3 << 20, 'e');
  await writeEntry(pack, header('bin/emqx-5.0.1', { mode: 0o755, size: 10 }), Buffer.from('#!/bin/sh\n'));
  let tapped = 0;
  await writeEntry(pack, header('lib/big.beam', { size: big.length }), chunks(big.subarray(0, 1 << 20), big.subarray(1 << 20)), (b) => {
    tapped += b.length;
  });
  await writeEntry(pack, header('releases/5.0.1/', { type: 'directory', mode: 0o755 }), null);
  await writeEntry(pack, header('bin/emqx', { type: 'symlink', linkname: 'emqx-5.0.1', mode: 0o777 }), null);
  pack.finalize();
  await done;
  assert.equal(tapped, big.length);
  const listing = execFileSync('tar', ['-tvf', file, '--numeric-owner'], { encoding: 'utf8' });
  assert.match(listing, /^-rwxr-xr-x 0\/0 +10 1980-01-01 \S+ bin\/emqx-5\.0\.1$/m);
  assert.match(listing, /^-rw-r--r-- 0\/0 +3145728 .* lib\/big\.beam$/m);
  assert.match(listing, /^drwxr-xr-x .* releases\/5\.0\.1\/$/m);
  assert.match(listing, /^lrwxrwxrwx .* bin\/emqx -> emqx-5\.0\.1$/m);
  const out = path.join(dir, 'x');
  fs.mkdirSync(out);
  execFileSync('tar', ['-xf', file, '-C', out]);
  assert.ok(fs.readFileSync(path.join(out, 'lib/big.beam')).equals(big));
});

test('a body that fails mid-member rejects, and the pack stops', async () => {
  const pack = tar.pack();
  const packErrors: string[] = [];
  pack.on('error', (e) => packErrors.push(e.message));
  pack.resume();
  async function* failing(): AsyncIterable<Buffer> {
    yield Buffer.alloc(100);
    throw new Error('input read failed');
  }
  await assert.rejects(writeEntry(pack, header('a', { size: 1000 }), failing()), /input read failed/);
  await assert.rejects(writeEntry(pack, header('b', { size: 1 }), Buffer.from('x')));
  assert.deepEqual(packErrors, ['input read failed'], 'the pipeline sees the cause');
});
