// copyFiles over a transport that runs its commands in a local sh: scp first, then each file
// streamed into the real `cat` command; what the operator is told when one way or both fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { copyError, copyFiles, lastWords, scpFallbackNote } from '../../src/rollout/copy.js';
import type { ExecResult, Transport } from '../../src/rollout/ssh.js';
import { tempDir } from '../helpers/support.js';

const result = (exitCode: number, stderr = '', stdout = ''): ExecResult => ({ exitCode, stdout, stderr, timedOut: false });

/** scp answers `scp`; exec runs the command in sh with the input file on stdin, unless `execFails` says otherwise. */
function localTransport(scp: ExecResult, execFails?: ExecResult): Transport & { commands: string[] } {
  const commands: string[] = [];
  return {
    commands,
    async exec(_dest, command, opts) {
      commands.push(command);
      if (execFails) return execFails;
      const r = spawnSync('sh', ['-c', command], { input: opts?.inputFile ? fs.readFileSync(opts.inputFile) : '', encoding: 'utf8' });
      return result(r.status ?? 1, r.stderr, r.stdout);
    },
    async copy() {
      return scp;
    },
    async close() {},
  };
}

function files(t: { after(fn: () => void): void }) {
  const dir = tempDir(t);
  const dest = path.join(dir, 'releases', '.emqx-relup', 'tmp.x');
  fs.mkdirSync(dest, { recursive: true });
  const pkg = path.join(dir, 'emqx-5.0.1.tar.gz');
  const wrapper = path.join(dir, "emqx-0.1.0 it's.cjs");
  fs.writeFileSync(pkg, Buffer.from([0x1f, 0x8b, 0, 1, 2, 255]));
  fs.writeFileSync(wrapper, '#!/usr/bin/env node\n');
  return { dest, pkg, wrapper };
}

const host = { dest: 'h2', root: '/opt/emqx' };

test('scp works: nothing else is run', async (t) => {
  const f = files(t);
  const tr = localTransport(result(0));
  assert.deepEqual(await copyFiles(tr, 'h2', [f.pkg, f.wrapper], f.dest), { ok: true, via: 'scp' });
  assert.deepEqual(tr.commands, []);
});

test('scp fails: each file is streamed into cat, byte for byte, and the note says why', async (t) => {
  const f = files(t);
  const scp = result(255, 'scp: Connection closed\n');
  const tr = localTransport(scp);
  assert.deepEqual(await copyFiles(tr, 'h2', [f.pkg, f.wrapper], f.dest), { ok: true, via: 'cat', scp });
  assert.deepEqual(fs.readFileSync(path.join(f.dest, 'emqx-5.0.1.tar.gz')), fs.readFileSync(f.pkg));
  assert.deepEqual(fs.readFileSync(path.join(f.dest, "emqx-0.1.0 it's.cjs")), fs.readFileSync(f.wrapper), 'a name with a blank and a quote');
  assert.equal(scpFallbackNote(host, scp), 'h2: scp failed (scp: Connection closed), copied over ssh cat instead (does its sshd lack the sftp subsystem?)');
});

test('both fail: the first file whose stream failed; CANNOT_WRITE for a full disk, REMOTE otherwise, UNREACHABLE when ssh itself lost the host', async (t) => {
  const f = files(t);
  const scp = result(1, 'scp: dest open: Permission denied\n');
  const full = result(1, 'cat: write error: No space left on device\n');
  const o = await copyFiles(localTransport(scp, full), 'h2', [f.pkg, f.wrapper], f.dest);
  assert.deepEqual(o, { ok: false, files: [f.pkg, f.wrapper], dir: f.dest, scp, cat: { file: f.pkg, result: full } });
  assert.ok(!o.ok);
  const e = copyError(host, o);
  assert.deepEqual([e.code, e.exitCode], ['CANNOT_WRITE', 73], 'a full disk is the host\'s cannot-write, as the help says');
  const denied = copyError(host, { ...o, cat: { file: f.pkg, result: result(1, 'cat: /opt/emqx/releases/x: Permission denied\n') } });
  assert.deepEqual([denied.code, denied.exitCode], ['REMOTE', 76]);
  assert.equal(
    e.line,
    `h2: copying emqx-5.0.1.tar.gz, emqx-0.1.0 it's.cjs to ${f.dest} failed: scp (scp: dest open: Permission denied), then ssh cat of emqx-5.0.1.tar.gz (cat: write error: No space left on device); check free space and permissions in releases/ on the host, then re-run; nothing was installed`,
  );
  assert.deepEqual(e.details, { host: 'h2', root: '/opt/emqx', stdout: '', stderr: 'scp: dest open: Permission denied\ncat: write error: No space left on device\n' });
  const lost = copyError(host, { ...o, cat: { file: f.pkg, result: result(255, 'Connection closed by h2 port 22\n') } });
  assert.deepEqual([lost.code, lost.exitCode], ['UNREACHABLE', 69]);
  assert.match(lost.line, /^h2: lost the SSH connection while copying .*; check the host and the network, then re-run; nothing was installed$/);
});

test('lastWords: the last stderr line, else stdout, else the exit status', () => {
  assert.equal(lastWords(result(1, 'one\ntwo\n', 'out')), 'two');
  assert.equal(lastWords(result(1, '', 'only stdout\n')), 'only stdout');
  assert.equal(lastWords(result(3)), 'exit 3');
});
