// assemble: the package's one gzip member from a deflated head and pack's spool, as GNU gzip reads
// it; the sha256 it returns is of the bytes on disk; a file in the way or a missing spool is an
// error naming the package; an abort stops it with the abort's reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assemble } from '../../src/release-tools/gzip-assemble.js';
import { ParallelDeflate } from '../../src/release-tools/parallel-deflate.js';
import { RelupError } from '../../src/errors.js';
import { fileSha256, tempDir } from '../helpers/support.js';

/** pack's spool: `data` deflated in blocks into `dir`/spool; its CRC and length. */
async function spool(dir: string, data: Buffer): Promise<{ file: string; crc: number; bytes: number }> {
  const file = path.join(dir, 'spool');
  const d = new ParallelDeflate(6, 1 << 16);
  await pipeline(Readable.from([data]), d, fs.createWriteStream(file));
  return { file, crc: d.crc, bytes: d.bytes };
}

test('head and spool make one gzip member that GNU gzip tests and inflates to head + body', async (t) => {
  const dir = tempDir(t);
  const head = Buffer.from('#!/bin/sh\n# bin/emqx-5.0.1\n'.repeat(300));
  const body = Buffer.concat([Buffer.alloc(3 << 20, 'release files '), randomBytes(200_000)]);
  const s = await spool(dir, body);
  const pkg = path.join(dir, 'emqx-5.0.1.tar.gz.tmp');
  const sha = await assemble(pkg, s.file, head, s, 6);
  assert.equal(sha, fileSha256(pkg));
  execFileSync('gzip', ['-t', pkg]);
  assert.ok(execFileSync('gzip', ['-dc', pkg], { maxBuffer: 16 << 20 }).equals(Buffer.concat([head, body])));
  assert.equal(fs.statSync(pkg).mode & 0o777, 0o644);
});

test('an empty spool: the head alone', async (t) => {
  const dir = tempDir(t);
  const s = await spool(dir, Buffer.alloc(0));
  const pkg = path.join(dir, 'p.tmp');
  await assemble(pkg, s.file, Buffer.from('only the scripts\n'), s, 9);
  assert.equal(execFileSync('gzip', ['-dc', pkg], { encoding: 'utf8' }), 'only the scripts\n');
});

test('a file already at the temporary name is never overwritten (73); a missing spool is NOT_FOUND (66)', async (t) => {
  const dir = tempDir(t);
  const s = await spool(dir, Buffer.from('x'));
  const pkg = path.join(dir, 'p.tmp');
  fs.writeFileSync(pkg, 'someone else');
  await assert.rejects(assemble(pkg, s.file, Buffer.alloc(0), s, 6), (e: unknown) => e instanceof RelupError && e.exitCode === 73 && e.line.includes(pkg));
  assert.equal(fs.readFileSync(pkg, 'utf8'), 'someone else');
  await assert.rejects(assemble(path.join(dir, 'q.tmp'), path.join(dir, 'nope'), Buffer.alloc(0), s, 6), (e: unknown) => e instanceof RelupError && e.exitCode === 66);
  assert.ok(!fs.existsSync(path.join(dir, 'q.tmp')), 'nothing created without a spool');
});

test('an abort stops the copy with the reason the caller gave', async (t) => {
  const dir = tempDir(t);
  const s = await spool(dir, randomBytes(3 << 20));
  const ac = new AbortController();
  const reason = new RelupError('INTERRUPTED', 'interrupted by SIGTERM', { exitCode: 143 });
  ac.abort(reason);
  await assert.rejects(assemble(path.join(dir, 'p.tmp'), s.file, Buffer.alloc(0), s, 6, ac.signal), (e: unknown) => e === reason);
});
