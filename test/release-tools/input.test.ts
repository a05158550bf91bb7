// A release read as members, the same whether it is a GNU tar .tar.gz or the unpacked directory:
// names, types, modes, link targets and bodies; a body left unread is drained; what is neither a
// file nor a directory, or missing, is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { buffer } from 'node:stream/consumers';
import { forEachMember, inputKind, type InputEntry } from '../../src/release-tools/input.js';
import { RelupError } from '../../src/errors.js';
import { tempDir } from '../helpers/support.js';

/** A small release tree: a script, a big file, an empty one, a link and a nested directory. */
function release(dir: string): string {
  const rel = path.join(dir, 'rel');
  fs.mkdirSync(path.join(rel, 'releases', '5.0.1'), { recursive: true });
  fs.mkdirSync(path.join(rel, 'bin'));
  fs.writeFileSync(path.join(rel, 'bin', 'emqx'), '#!/bin/sh\necho emqx\n', { mode: 0o755 });
  fs.writeFileSync(path.join(rel, 'releases', '5.0.1', 'emqx.rel'), '{release,{"emqx","5.0.1"},{erts,"13.1.5"},[]}.\n');
  fs.writeFileSync(path.join(rel, 'releases', 'big.bin'), Buffer.alloc(3 << 20, 'b'));
  fs.writeFileSync(path.join(rel, 'releases', 'empty'), '');
  fs.symlinkSync('emqx', path.join(rel, 'bin', 'emqx-link'));
  for (const d of ['bin', 'releases', 'releases/5.0.1']) fs.chmodSync(path.join(rel, d), 0o755);
  return rel;
}

/** Every member as [name, type, mode, size, linkname, sha of body]; bodies read except `skip`. */
async function members(p: string, kind: 'tarball' | 'directory', skip: (e: InputEntry) => boolean = () => false) {
  const out: unknown[][] = [];
  await forEachMember(p, kind, async (e) => {
    const body = e.body && !skip(e) ? (await buffer(e.body)).toString('base64').slice(0, 12) : null;
    out.push([e.name, e.type, e.mode.toString(8), e.size, e.linkname, body]);
  });
  return out;
}

test('a directory and its GNU tar .tar.gz give the same members, depth first and sorted', async (t) => {
  const dir = tempDir(t);
  const rel = release(dir);
  const tgz = path.join(dir, 'emqx-5.0.1.tar.gz');
  const fromDir = await members(rel, 'directory');
  const order = fromDir.map((m) => m[0] as string);
  assert.deepEqual(order, ['bin/', 'bin/emqx', 'bin/emqx-link', 'releases/', 'releases/5.0.1/', 'releases/5.0.1/emqx.rel', 'releases/big.bin', 'releases/empty']);
  execFileSync('tar', ['-czf', tgz, '--format=gnu', '--no-recursion', '-C', rel, ...order]);
  assert.deepEqual(await members(tgz, 'tarball'), fromDir);
  assert.deepEqual(fromDir[2], ['bin/emqx-link', 'symlink', '777', 0, 'emqx', null]);
  assert.deepEqual(fromDir[1]!.slice(1, 4), ['file', '755', 20]);
});

test('a body the handler does not read is drained, so the next member still comes', async (t) => {
  const dir = tempDir(t);
  const rel = release(dir);
  const tgz = path.join(dir, 'r.tar.gz');
  execFileSync('tar', ['-czf', tgz, '-C', rel, '.']);
  const names = (await members(tgz, 'tarball', () => true)).map((m) => m[0]);
  assert.ok(names.includes('./releases/big.bin') && names.includes('./releases/empty') && names.includes('./bin/emqx'), names.join(' '));
});

test('inputKind: a directory, or a file to scan as a tarball; a missing path and a FIFO are refused', async (t) => {
  const dir = tempDir(t);
  assert.equal(await inputKind(dir), 'directory');
  fs.writeFileSync(path.join(dir, 'x.tar.gz'), 'not gzip at all');
  assert.equal(await inputKind(path.join(dir, 'x.tar.gz')), 'tarball');
  await assert.rejects(forEachMember(path.join(dir, 'x.tar.gz'), 'tarball', async () => {}), (e: unknown) => e instanceof RelupError && e.exitCode === 65);
  await assert.rejects(inputKind(path.join(dir, 'nope')), (e: unknown) => e instanceof RelupError && e.code === 'NOT_FOUND' && /nope does not exist; give a release package/.test(e.line));
  execFileSync('mkfifo', [path.join(dir, 'fifo')]);
  await assert.rejects(inputKind(path.join(dir, 'fifo')), (e: unknown) => e instanceof RelupError && e.code === 'BAD_PACKAGE' && /is not a file or a directory/.test(e.line));
});

test('a directory holding a FIFO yields it as a member of its type, without opening it', async (t) => {
  const dir = tempDir(t);
  const rel = path.join(dir, 'rel');
  fs.mkdirSync(rel);
  execFileSync('mkfifo', [path.join(rel, 'pipe')]);
  assert.deepEqual((await members(rel, 'directory')).map((m) => m.slice(0, 2)), [['pipe', 'fifo']]);
});

test('an abort stops a directory read between members', async (t) => {
  const dir = tempDir(t);
  const rel = release(dir);
  const ac = new AbortController();
  const seen: string[] = [];
  await assert.rejects(
    forEachMember(
      rel,
      'directory',
      async (e) => {
        seen.push(e.name);
        if (seen.length === 2) ac.abort(new Error('stop'));
        if (e.body) for await (const _ of e.body);
      },
      ac.signal,
    ),
    /stop/,
  );
  assert.equal(seen.length, 2);
});
