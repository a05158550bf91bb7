// `emqx-relup inspect`: reads a package once, its sha256 from the same pass (constant memory apart from the member list), and
// reports what emqx upgrade and release_handler would make of it. The checks are pure
// (inspect-checks.ts); this module only scans, through the same streaming scan as extraction.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fromFsError, RelupError } from '../errors.js';
import { sha256File, sidecarPath } from '../package/checksum.js';
import { forEachArchiveMember } from './input.js';
import { checkPackage, type InspectReport, type Scan, type ScannedEntry } from './inspect-checks.js';
import { classify } from './layout.js';
import { MAX_MEMBER_BYTES } from '../package/read.js';

export type { InspectReport, Problem } from './inspect-checks.js';

/** Metadata members larger than this are not read (a .rel or emqx_vars is a few KiB). */
const META_LIMIT = 1 << 20;
/** A relup lists every instruction of every path: it gets the limit of the wrapper's own read. */
const RELUP_LIMIT = MAX_MEMBER_BYTES;

export async function scanPackage(file: string): Promise<Scan> {
  const path = resolve(file);
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    throw fromFsError(e, path, 'reading the package');
  });
  if (!st?.isFile()) throw new RelupError('NOT_FOUND', `${path} ${st ? 'is not a file' : 'does not exist'}`, { hint: 'give a package file (.tar.gz)' });
  const entries: ScannedEntry[] = [];
  const texts = new Map<string, string>();
  let readError: string | null = null;
  let sha256: string | null = null;
  try {
    sha256 = await forEachArchiveMember(path, async (e) => {
      const name = e.name.replace(/^(\.\/)+/, '');
      const role = classify(name);
      const entry: ScannedEntry = { name: e.name, type: e.type, mode: e.mode, size: e.size, linkname: e.linkname };
      entries.push(entry);
      const wanted = role.kind === 'vars' || role.kind === 'start-erl' || role.kind === 'rel' || role.kind === 'versioned' || role.kind === 'relup';
      if (!e.body || !wanted) return;
      const limit = role.kind === 'relup' ? RELUP_LIMIT : META_LIMIT;
      const parts: Buffer[] = [];
      let n = 0;
      for await (const chunk of e.body) {
        if (n < limit) parts.push(chunk);
        n += chunk.length;
      }
      const data = Buffer.concat(parts);
      if (role.kind === 'versioned') entry.head = data.subarray(0, 512);
      else if (n <= limit) texts.set(name, data.toString('utf8'));
    }, undefined, true);
  } catch (e) {
    if (!(e instanceof RelupError) || e.code !== 'BAD_PACKAGE') throw e;
    readError = e.message;
  }
  let sidecar: string | null = null;
  try {
    sidecar = await readFile(sidecarPath(path), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fromFsError(e, sidecarPath(path), 'reading the checksum');
  }
  // One pass gives the digest too; only a damaged archive, whose pass stopped short, is hashed apart.
  return { file: path, size: st.size, sha256: sha256 ?? (await sha256File(path)), entries, texts, sidecar, readError };
}

export async function inspect(file: string): Promise<InspectReport> {
  return checkPackage(await scanPackage(file));
}
