// Test fixtures for pack/inspect: release directories written by hand, tarballs made by GNU tar
// and erl_tar, and readers that list a package's members with their content hashes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { createGunzip } from 'node:zlib';
import { fileSha256 } from './support.js';

/** Call at a test file's top level: returns a maker of temp dirs that are all removed after the file. */
export function scratch(tag: string): () => string {
  const made: string[] = [];
  after(() => {
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `relup-${tag}-`));
    made.push(d);
    return d;
  };
}

export interface ReleaseSpec {
  version?: string;
  edition?: 'community' | 'enterprise';
  relName?: string;
  /** Write releases/emqx_vars (default true). */
  vars?: boolean;
  /** Extra files: relative path -> contents. */
  files?: Record<string, string | Buffer>;
  runner?: string | null;
  escript?: string | null;
}

export const RUNNER_TEXT = '#!/bin/sh\n# stand-in runner\necho "runner $0 $*"\n';
export const ESCRIPT_TEXT = '#!/usr/bin/env escript\n%% stand-in\nmain(_) -> ok.\n';
export const LONG_DIR = 'lib/emqx_a_rather_long_application_name-5.0.1/priv/some/deeply/nested/directory/with/more/levels';

/** A release root as relx lays it out, small but with the awkward bits (long names, a symlink, modes). */
export function makeReleaseDir(dir: string, spec: ReleaseSpec = {}): string {
  const v = spec.version ?? '5.0.1';
  const relName = spec.relName ?? 'emqx';
  const w = (rel: string, data: string | Buffer, mode = 0o644): void => {
    fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), data);
    fs.chmodSync(path.join(dir, rel), mode);
  };
  if (spec.runner !== null) w('bin/emqx', spec.runner ?? RUNNER_TEXT, 0o755);
  if (spec.escript !== null) w('bin/install_upgrade.escript', spec.escript ?? ESCRIPT_TEXT, 0o755);
  w('bin/nodetool', '#!/usr/bin/env escript\nmain(_) -> ok.\n', 0o755);
  w(`bin/${relName}_ctl`, '#!/bin/sh\nexec "$(dirname "$0")/emqx" ctl "$@"\n', 0o755);
  w(`releases/${v}/${relName}.rel`, `%% rel\n{release, {"${relName}", "${v}"}, {erts, "13.1.5"}, [{kernel, "8.5.3"}, {stdlib, "4.2"}]}.\n`);
  w(`releases/${v}/start.boot`, Buffer.from([131, 104, 3, 100, 0, 6, 115, 99, 114, 105, 112, 116]));
  w(`releases/${v}/vm.args`, '-name emqx@127.0.0.1\n-setcookie cookie\n');
  w('releases/start_erl.data', `13.1.5 ${v}\n`);
  if (spec.vars !== false) {
    w('releases/emqx_vars', `## generated\nREL_NAME="${relName}"\nREL_VSN="${v}"\nERTS_VSN="13.1.5"\nIS_ENTERPRISE="${spec.edition === 'enterprise' ? 'yes' : 'no'}"\nRUNNER_ROOT_DIR="$RUNNER_ROOT_DIR"\n`);
  }
  w(`lib/emqx-${v}/ebin/emqx.app`, `{application, emqx, [{vsn, "${v}"}]}.\n`);
  w(`lib/emqx-${v}/ebin/emqx.beam`, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) & 255)));
  w(`${LONG_DIR}/file_with_a_long_name_to_need_more_than_one_hundred_characters.txt`, 'long\n');
  w('etc/emqx.conf', 'node.name = emqx@127.0.0.1\n', 0o640);
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  fs.symlinkSync('emqx.conf', path.join(dir, 'etc/emqx.conf.link'));
  for (const [rel, data] of Object.entries(spec.files ?? {})) w(rel, data, rel.startsWith('bin/') ? 0o755 : 0o644);
  return dir;
}

/** GNU tar of `names` (default: the release's top-level names, bin/ first) under `dir`. */
export function gnuTar(dir: string, out: string, opts: { names?: string[]; format?: 'gnu' | 'pax' | 'ustar'; extra?: string[] } = {}): string {
  const names = opts.names ?? ['bin', 'releases', 'lib', 'etc', 'data'];
  execFileSync('tar', ['-czf', out, `--format=${opts.format ?? 'gnu'}`, ...(opts.extra ?? []), '-C', dir, ...names]);
  return out;
}

/** erl_tar of the same names, compressed, as relx does. */
export function erlTar(dir: string, out: string, names = ['bin', 'releases', 'lib', 'etc', 'data']): string {
  const list = names.map((n) => `"${n}"`).join(',');
  execFileSync('erl', ['-noshell', '-eval', `ok = file:set_cwd("${dir}"), ok = erl_tar:create("${out}", [${list}], [compressed]), halt().`], { stdio: 'pipe' });
  return out;
}

export interface Member {
  name: string;
  type: string;
  mode: number;
  size: number;
  mtime: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  linkname: string | null;
  sha256: string | null;
}

/** Every member of a .tar.gz, in order, with a hash of its contents. */
export async function readMembers(file: string): Promise<Member[]> {
  const { extract } = await import('tar-stream');
  const ex = extract();
  fs.createReadStream(file).pipe(createGunzip()).pipe(ex as unknown as NodeJS.WritableStream);
  const out: Member[] = [];
  for await (const entry of ex) {
    const h = entry.header;
    const hash = createHash('sha256');
    for await (const chunk of entry) hash.update(chunk as Buffer);
    out.push({
      name: h.name,
      type: h.type ?? 'file',
      mode: (h.mode ?? 0) & 0o7777,
      size: h.size ?? 0,
      mtime: Math.floor((h.mtime?.getTime() ?? 0) / 1000),
      uid: h.uid ?? 0,
      gid: h.gid ?? 0,
      uname: h.uname ?? '',
      gname: h.gname ?? '',
      linkname: h.linkname ?? null,
      sha256: h.type === 'file' ? hash.digest('hex') : null,
    });
  }
  return out;
}

/** Names, modes and bytes of everything under `dir`: compare before and after to prove nothing changed. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const n of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const p = path.join(dir, r);
      const st = fs.lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[`${r}/`] = mode;
        walk(r);
      } else if (st.isSymbolicLink()) out[r] = `link ${fs.readlinkSync(p)}`;
      else out[r] = `${mode} ${fileSha256(p)}`;
    }
  };
  walk('');
  return out;
}

export interface CraftMember {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  mode?: number;
  data?: string | Buffer;
  linkname?: string;
}

/** A .tar.gz with exactly these members, for layouts GNU tar will not write (absolute names, `..`). */
export async function craftTarGz(file: string, members: CraftMember[]): Promise<string> {
  const { pack } = await import('tar-stream');
  const { createGzip } = await import('node:zlib');
  const { pipeline } = await import('node:stream/promises');
  const p = pack({});
  const done = pipeline(p as unknown as NodeJS.ReadableStream, createGzip(), fs.createWriteStream(file));
  for (const m of members) {
    const type = m.type ?? 'file';
    const data = type === 'file' ? Buffer.from(m.data ?? '') : undefined;
    await new Promise<void>((resolve, reject) =>
      p.entry({ name: m.name, type, mode: m.mode ?? (type === 'directory' ? 0o755 : 0o644), mtime: new Date(0), ...(m.linkname ? { linkname: m.linkname } : {}) } as never, data as never, (err?: Error | null) =>
        err ? reject(err) : resolve(),
      ),
    );
  }
  p.finalize();
  await done;
  return file;
}
