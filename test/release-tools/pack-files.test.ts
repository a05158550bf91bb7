// The files pack reads and writes beside its stream: a --runner/--escript override read (or
// described when it is no file, or marked too big), this machine's os-release, and the finished
// package and sidecar put in place (the sidecar never over an existing file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readMachine, readOverride, renameInto, writeSmallFile } from '../../src/release-tools/pack-files.js';
import { MAX_SCRIPT_BYTES } from '../../src/release-tools/layout.js';
import { RelupError } from '../../src/errors.js';
import { relupError } from '../release/fixture.js';
import { tempDir } from '../helpers/support.js';

test('readOverride: a file is read; a directory or FIFO is described, not read; an oversized file is marked too big', (t) => {
  const dir = tempDir(t);
  const runner = path.join(dir, 'emqx');
  fs.writeFileSync(runner, '#!/bin/sh\n');
  assert.deepEqual(readOverride(runner, '--runner'), { origin: `--runner ${runner}`, data: Buffer.from('#!/bin/sh\n'), type: 'file' });
  assert.deepEqual(readOverride(dir, '--escript'), { origin: `--escript ${dir}`, data: null, type: 'directory' });
  execFileSync('mkfifo', [path.join(dir, 'fifo')]);
  assert.deepEqual(readOverride(path.join(dir, 'fifo'), '--runner'), { origin: `--runner ${path.join(dir, 'fifo')}`, data: null, type: 'special file' });
  const big = path.join(dir, 'big');
  fs.writeFileSync(big, '');
  fs.truncateSync(big, MAX_SCRIPT_BYTES + 10);
  assert.equal(readOverride(big, '--runner').data?.length, MAX_SCRIPT_BYTES + 1, 'over the limit, without reading it');
  const missing = relupError(() => readOverride(path.join(dir, 'nope'), '--escript'));
  assert.equal(missing.exitCode, 66);
  assert.match(missing.line, /nope does not exist \(while reading --escript\)/);
});

test("readMachine: this machine's os-release and CPU", () => {
  const m = readMachine();
  const expected = ['/etc/os-release', '/usr/lib/os-release'].map((f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null)).find((x) => x !== null) ?? null;
  assert.deepEqual(m, { osRelease: expected, arch: process.arch });
});

test('renameInto moves into place (a source gone is NOT_FOUND naming the target); writeSmallFile never overwrites', async (t) => {
  const dir = tempDir(t);
  const from = path.join(dir, '.emqx-5.0.1.tar.gz.tmp');
  const to = path.join(dir, 'emqx-5.0.1.tar.gz');
  fs.writeFileSync(from, 'pkg');
  await renameInto(from, to);
  assert.equal(fs.readFileSync(to, 'utf8'), 'pkg');
  await assert.rejects(renameInto(from, to), (e: unknown) => e instanceof RelupError && e.exitCode === 66 && e.line.includes(to));
  const sidecar = `${to}.sha256`;
  await writeSmallFile(sidecar, 'abc  emqx-5.0.1.tar.gz\n');
  assert.equal(fs.readFileSync(sidecar, 'utf8'), 'abc  emqx-5.0.1.tar.gz\n');
  await assert.rejects(writeSmallFile(sidecar, 'other'), (e: unknown) => e instanceof RelupError && e.exitCode === 73 && /while writing the checksum/.test(e.line));
  assert.equal(fs.readFileSync(sidecar, 'utf8'), 'abc  emqx-5.0.1.tar.gz\n');
});
