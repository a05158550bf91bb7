// `emqx-relup inspect`: reads a package once (constant memory apart from the member list) and
// reports what emqx upgrade and release_handler would make of it. The checks are pure
// (inspect-checks.ts); this module only scans.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fromFsError, RelupError } from '../errors.js';
import { inputKind, readArchive, READ_CHUNK } from './input.js';
import { checkPackage, type InspectReport, type Scan, type ScannedEntry } from './inspect-checks.js';
import { classify } from './layout.js';

export type { InspectReport, Problem } from './inspect-checks.js';

const META_LIMIT = 1 << 20;

async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function scanPackage(file: string): Promise<Scan> {
  const path = resolve(file);
  let size: number;
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    throw fromFsError(e, path, 'reading the package');
  });
  if (!st?.isFile()) throw new RelupError('NOT_FOUND', `${path} ${st ? 'is not a file' : 'does not exist'}`, { hint: 'give a package file (.tar.gz)' });
  size = st.size;
  const entries: ScannedEntry[] = [];
  const texts = new Map<string, string>();
  let readError: string | null = null;
  const hash = createHash('sha256');
  let hashed = 0;
  try {
    const kind = await inputKind(path);
    if (kind === 'directory') throw new RelupError('INTERNAL', 'unreachable: a directory passed the file check');
    for await (const e of readArchive(path, kind, (b) => {
      hash.update(b);
      hashed += b.length;
    })) {
      const name = e.name.replace(/^(\.\/)+/, '');
      const role = classify(name);
      const entry: ScannedEntry = { name: e.name, type: e.type, mode: e.mode, size: e.size, linkname: e.linkname };
      entries.push(entry);
      if (!e.body) continue;
      const isMeta = role.kind === 'vars' || role.kind === 'start-erl' || role.kind === 'rel';
      if (!isMeta && role.kind !== 'versioned') continue;
      const parts: Buffer[] = [];
      let n = 0;
      for await (const chunk of e.body) {
        if (n < META_LIMIT) parts.push(chunk);
        n += chunk.length;
      }
      const data = Buffer.concat(parts);
      if (role.kind === 'versioned') entry.head = data.subarray(0, 64);
      else if (n <= META_LIMIT) texts.set(name, data.toString('utf8'));
    }
  } catch (e) {
    if (!(e instanceof RelupError) || e.code !== 'BAD_PACKAGE') throw e;
    readError = e.message;
  }
  const sha256 = hashed === size ? hash.digest('hex') : await sha256Of(path);
  let sidecar: string | null = null;
  try {
    sidecar = await readFile(`${path}.sha256`, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fromFsError(e, `${path}.sha256`, 'reading the checksum');
  }
  return { file: path, size, sha256, entries, texts, sidecar, readError };
}

export async function inspect(file: string): Promise<InspectReport> {
  return checkPackage(await scanPackage(file));
}
