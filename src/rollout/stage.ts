// Staging: copy the package (and the shipped wrapper) into a private temp dir under
// releases/.emqx-relup (scp, else ssh cat: copy.ts), verify sha256 on the host, then rename into place.
import { basename } from 'node:path';
import { RelupError } from '../errors.js';
import type { LocalPackage } from './artifacts.js';
import { copyError, copyFiles, scpFallbackNote } from './copy.js';
import { remoteError, type HostFacts } from './preflight.js';
import { finalizeCommand, mkStageTempCommand, removeTempCommand, stageDir, type RemoteEmqx } from './remote.js';
import type { Transport } from './ssh.js';

export interface StageResult {
  skipped: boolean;
  /** Set when the files went over ssh cat because scp failed: says why. */
  note?: string;
}

const TEMP = /^\/[A-Za-z0-9_./+@,=-]*\/stage\.[A-Za-z0-9]+$/;

export async function stageHost(t: Transport, f: HostFacts, pkg: LocalPackage, emqx: RemoteEmqx, timeoutMs: number): Promise<StageResult> {
  const { host } = f;
  if (!f.needPackage && !f.needSidecar && !f.needWrapper) return { skipped: true };
  const mk = await t.exec(host.dest, mkStageTempCommand(host.root), { timeoutMs });
  if (mk.exitCode !== 0) throw remoteError(host, `creating ${stageDir(host.root)}`, mk, 'check the SSH user may write to releases/ on the host');
  const temp = mk.stdout.trim();
  if (!TEMP.test(temp) || !temp.startsWith(stageDir(host.root) + '/')) {
    throw new RelupError('REMOTE', `${host.dest}: mktemp printed an unexpected path ${JSON.stringify(temp)}`, { hint: 'check mktemp on the host' });
  }
  const files = [...(f.needPackage ? [pkg.path] : []), ...(f.needWrapper && emqx.kind === 'shipped' ? [emqx.localFile] : [])];
  let note: string | undefined;
  if (files.length > 0) {
    const cp = await copyFiles(t, host.dest, files, temp);
    if (!cp.ok) {
      // Best effort: the temp dir is ours and holds nothing in use.
      await t.exec(host.dest, removeTempCommand(temp), { timeoutMs });
      throw copyError(host, cp);
    }
    if (cp.via === 'cat') note = scpFallbackNote(host, cp.scp);
  }
  const fin = await t.exec(
    host.dest,
    finalizeCommand(
      host.root,
      temp,
      { file: pkg.name.file, sha256: pkg.sha256, sent: f.needPackage },
      f.needWrapper && emqx.kind === 'shipped' ? { name: emqx.name, sha256: emqx.sha256, sentAs: basename(emqx.localFile) } : null,
    ),
    { timeoutMs },
  );
  if (fin.exitCode === 65) {
    throw new RelupError('CHECKSUM_MISMATCH', `${host.dest}: the copy on the host does not match the local file: ${fin.stderr.trim()}`, {
      hint: 'the transfer was corrupted; nothing was installed, re-run to copy again',
      details: { host: host.dest, stderr: fin.stderr },
    });
  }
  if (fin.exitCode !== 0) throw remoteError(host, 'verifying and renaming the staged package', fin, 'check permissions in releases/ on the host');
  return { skipped: false, ...(note ? { note } : {}) };
}
