// Shared by the package tests: temp dirs, tarballs made with tar-stream, and directory snapshots
// (names, modes, bytes, symlink targets) to prove "nothing changed".
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { RelupError } from '../../src/errors.js';

export function tempDir(prefix = 'relup-pkg-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface Entry {
  name: string;
  type?: Header['type'];
  linkname?: string;
  /** Content; or `size` with generated, deterministic bytes. */
  body?: string | Buffer;
  size?: number;
  /** Header size different from the body length (to forge inconsistent archives). */
  mode?: number;
}

const BLOCK = 1 << 20;

/**
 * Deterministic, mildly compressible bytes (so gzip has work to do, like real .beam files): a 1 MiB
 * pseudo-random block repeated, whose period is beyond deflate's 32 KiB window.
 */
export function filler(size: number, seed: number): Buffer {
  const block = Buffer.alloc(Math.min(size, BLOCK));
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < block.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    block[i] = 97 + (x % 16);
  }
  const out = Buffer.alloc(size);
  for (let off = 0; off < size; off += block.length) block.copy(out, off, 0, Math.min(block.length, size - off));
  return out;
}

/** Writes a .tar.gz made by tar-stream, streaming (entries may be large). */
export async function makeTarGz(file: string, entries: Entry[], level = 1): Promise<void> {
  const p = pack();
  const out = pipeline(p as unknown as Readable, createGzip({ level }), fs.createWriteStream(file));
  for (const e of entries) {
    const type = e.type ?? 'file';
    const hasBody = type === 'file' || type === 'contiguous-file';
    const body = e.body !== undefined ? Buffer.from(e.body) : e.size !== undefined ? filler(e.size, e.name.length) : Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
      const header: Header = { name: e.name, type, mode: e.mode ?? 0o755, size: hasBody ? body.length : 0 } as Header;
      if (e.linkname !== undefined) header.linkname = e.linkname;
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      // Non-file entries carry no body; tar-stream ends them at once.
      p.entry(header, hasBody ? body : (undefined as unknown as Buffer), cb);
    });
  }
  p.finalize();
  await out;
}

export const SCRIPT = (v: string) => `#!/bin/sh\n# emqx ${v} runner\nexec echo "emqx-${v}" "$@"\n`;
export const ESCRIPT = (v: string) => `#!/usr/bin/env escript\n%% install_upgrade ${v}\nmain(_) -> ok.\n`;

export function scriptEntries(v: string, prefix = ''): Entry[] {
  return [
    { name: `${prefix}bin/emqx-${v}`, body: SCRIPT(v) },
    { name: `${prefix}bin/install_upgrade.escript-${v}`, body: ESCRIPT(v) },
  ];
}

export interface SnapEntry {
  path: string;
  mode: number;
  kind: 'file' | 'dir' | 'symlink' | 'other';
  sha256?: string;
  target?: string;
}

/** Everything under `dir` (no mtimes): enough to show a directory is byte-for-byte unchanged. */
export function snapshot(dir: string): SnapEntry[] {
  const out: SnapEntry[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = path.join(rel, name);
      const abs = path.join(dir, r);
      const st = fs.lstatSync(abs);
      if (st.isSymbolicLink()) out.push({ path: r, mode: st.mode, kind: 'symlink', target: fs.readlinkSync(abs) });
      else if (st.isDirectory()) {
        out.push({ path: r, mode: st.mode, kind: 'dir' });
        walk(r);
      } else if (st.isFile()) {
        out.push({ path: r, mode: st.mode, kind: 'file', sha256: createHash('sha256').update(fs.readFileSync(abs)).digest('hex') });
      } else out.push({ path: r, mode: st.mode, kind: 'other' });
    }
  };
  walk('.');
  return out;
}

/** A release root with a lived-in bin/: runner, older versioned scripts, nodetool. */
export function makeRoot(): { root: string; bin: string; releases: string } {
  const root = tempDir('relup-root-');
  const bin = path.join(root, 'bin');
  const releases = path.join(root, 'releases');
  fs.mkdirSync(bin);
  fs.mkdirSync(releases);
  fs.writeFileSync(path.join(bin, 'emqx'), '#!/bin/sh\necho runner\n', { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'nodetool'), '#!/usr/bin/env escript\n', { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'emqx-5.0.0'), SCRIPT('5.0.0'), { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'install_upgrade.escript-5.0.0'), ESCRIPT('5.0.0'), { mode: 0o755 });
  return { root, bin, releases };
}

/** Asserts `p` rejects with a RelupError of this code and exit status; returns it for more checks. */
export async function rejectsWith(p: Promise<unknown>, code: string, exitCode: number): Promise<RelupError> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof RelupError)) throw new Error(`expected RelupError ${code}, got ${String(e)}`, { cause: e });
    if (e.code !== code || e.exitCode !== exitCode) {
      throw new Error(`expected ${code}/${exitCode}, got ${e.code}/${e.exitCode}: ${e.line}`, { cause: e });
    }
    return e;
  }
  throw new Error(`expected RelupError ${code}, but it resolved`);
}

/**
 * A .tar.gz whose tar is cut `cut` bytes into the body of its last member (0: right after that
 * member's header), then compressed whole: the gzip stream is intact, only the tar is short.
 */
export async function makeTruncatedTarGz(file: string, entries: Entry[], cut: number): Promise<void> {
  const whole = path.join(tempDir(), 'whole.tar.gz');
  try {
    await makeTarGz(whole, entries);
    const tar = gunzipSync(fs.readFileSync(whole));
    // Header offsets: 512-byte header, then the body padded to 512, for each member in turn.
    let off = 0;
    for (const e of entries.slice(0, -1)) off += 512 + Math.ceil(entryBody(e).length / 512) * 512;
    const last = entries[entries.length - 1]!;
    if (tar.subarray(off + 257, off + 262).toString('latin1') !== 'ustar') throw new Error(`no ustar header at ${off}: an entry needs a pax header`);
    if (cut >= entryBody(last).length) throw new Error(`cut ${cut} is not inside the ${entryBody(last).length}-byte body`);
    fs.writeFileSync(file, gzipSync(tar.subarray(0, off + 512 + cut)));
  } finally {
    fs.rmSync(path.dirname(whole), { recursive: true, force: true });
  }
}

function entryBody(e: Entry): Buffer {
  return e.body !== undefined ? Buffer.from(e.body) : e.size !== undefined ? filler(e.size, e.name.length) : Buffer.alloc(0);
}
