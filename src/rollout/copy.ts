// Getting local files into a directory on a host. scp first; when it fails on a host that just
// answered over ssh, each file is streamed over plain ssh into `cat`. OpenSSH 9's scp speaks
// SFTP, and an sshd without `Subsystem sftp` ends it with "Connection closed" (exit 255), which
// says nothing about reachability: only ssh's own 255 on the `cat` means the host is gone.
import { basename } from 'node:path';
import { RelupError } from '../errors.js';
import type { HostSpec } from './host-spec.js';
import { catIntoCommand } from './remote.js';
import { lastOutputLine, SSH_FAILURE, type ExecResult, type Transport } from './ssh.js';

export type CopyOutcome =
  | { ok: true; via: 'scp' }
  /** scp failed, the `cat` path worked; `scp` is kept so the operator learns why. */
  | { ok: true; via: 'cat'; scp: ExecResult }
  /** Both failed: `cat` is the first file whose stream failed. */
  | { ok: false; files: string[]; dir: string; scp: ExecResult; cat: { file: string; result: ExecResult } };

export async function copyFiles(t: Transport, dest: string, files: string[], dir: string): Promise<CopyOutcome> {
  const scp = await t.copy(dest, files, dir);
  if (scp.exitCode === 0) return { ok: true, via: 'scp' };
  for (const file of files) {
    const result = await t.exec(dest, catIntoCommand(dir, basename(file)), { inputFile: file });
    if (result.exitCode !== 0) return { ok: false, files, dir, scp, cat: { file, result } };
  }
  return { ok: true, via: 'cat', scp };
}

/** The decisive line of a failed command: its last stderr (or stdout) line, else its exit status. */
export function lastWords(r: ExecResult): string {
  return lastOutputLine(r).trim() || `exit ${r.exitCode}`;
}

/** Why scp did not do: for the note that the `cat` path was taken instead. */
export function scpFallbackNote(host: HostSpec, scp: ExecResult): string {
  return `${host.dest}: scp failed (${lastWords(scp)}), copied over ssh cat instead (does its sshd lack the sftp subsystem?)`;
}

/** What a failed copy tells the operator: which files, where, and both attempts' last words. */
export function copyError(host: HostSpec, o: Extract<CopyOutcome, { ok: false }>): RelupError {
  const names = o.files.map((f) => basename(f)).join(', ');
  const what = `copying ${names} to ${o.dir} failed: scp (${lastWords(o.scp)}), then ssh cat of ${basename(o.cat.file)} (${lastWords(o.cat.result)})`;
  const details = { host: host.dest, root: host.root, stdout: o.cat.result.stdout, stderr: `${o.scp.stderr}${o.cat.result.stderr}` };
  if (o.cat.result.exitCode === SSH_FAILURE) {
    return new RelupError('UNREACHABLE', `${host.dest}: lost the SSH connection while ${what}`, {
      hint: 'check the host and the network, then re-run; nothing was installed',
      details,
    });
  }
  // A full disk or quota is the host's "cannot write" (73), as the help promises.
  const full = /No space left on device|Disk quota exceeded|Read-only file system/.test(o.cat.result.stderr);
  return new RelupError(full ? 'CANNOT_WRITE' : 'REMOTE', `${host.dest}: ${what}`, {
    hint: 'check free space and permissions in releases/ on the host, then re-run; nothing was installed',
    details,
  });
}
