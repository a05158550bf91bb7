// `emqx-relup pack`: streams a release (tarball or directory) once into a deterministic package
// whose first two members are bin/emqx-<v> and bin/install_upgrade.escript-<v>, followed by
// releases/<v>/relup when the release has one and releases/emqx_vars, so the wrapper reads only
// the head for everything it takes from a package.
//
// One pass, constant memory: the scripts must come first but may sit anywhere in the input (and
// the version naming them is only known once releases/ has gone by), so every other member is
// streamed straight through tar-stream and a parallel deflate (parallel-deflate.ts) into a spool
// file in the output directory, while only the small pieces are kept in memory: the two script
// sources (each at most 16 MiB) and the release metadata (.rel, emqx_vars, start_erl.data). At the
// end the package is assembled as one gzip member: a fixed header, the scripts deflated with a sync
// flush, the spool's deflate blocks, a final empty block, and a trailer whose CRC combines both
// parts (gzip-join.ts). That costs one sequential copy of the compressed body, far cheaper than a
// second inflate of the input.
import { randomBytes } from 'node:crypto';
import { createWriteStream, realpathSync } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { syncDir } from '../durable-file.js';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fromFsError, RelupError } from '../errors.js';
import { type Edition, parsePackageName } from '../version/index.js';
import { ParallelDeflate } from './parallel-deflate.js';
import { forEachMember, inputKind, type InputEntry, READ_CHUNK } from './input.js';
import { classify, detectLayout, escriptName, type Layout, MAX_SCRIPT_BYTES, releaseDirOf, repairName, runnerName, type ScriptKind } from './layout.js';
import { additions, choosePlatform, chooseScripts, type MachineFacts, outputFileName, type InputFacts, resolveRelease, type ScriptCandidate } from './pack-plan.js';
import { hasMarker } from '../release/wrapper-marker.js';
import { parseRelFile, parseStartErlData, varsLiterals } from './release-facts.js';
import { collect, type EntryHeader, type TarPack, writeEntry } from './tar-entry.js';
import { readMachine, readOverride, renameInto, writeSmallFile } from './pack-files.js';
import { assemble } from './gzip-assemble.js';
import { relupMember } from '../release/script-names.js';

/** 1980-01-01T00:00:00Z: the fixed mtime when SOURCE_DATE_EPOCH is not set (tar warns on 1970). */
export const DEFAULT_MTIME = 315532800;

export interface PackOptions {
  input: string;
  /** Output directory; default: the current directory. */
  outDir?: string | undefined;
  platform?: string | null | undefined;
  runner?: string | undefined;
  escript?: string | undefined;
  /** Refused: the one-file wrapper as bin/emqx-<v> (see wrapperRefused). */
  wrapper?: boolean | undefined;
  /** This machine, for the default platform part; read from /etc/os-release when not given. */
  machine?: MachineFacts | undefined;
  version?: string | undefined;
  edition?: Edition | undefined;
  /** gzip level 1-9, default 6 (as `gzip -6`). */
  level?: number | undefined;
  /** Seconds since the epoch for every member's mtime; default SOURCE_DATE_EPOCH, else DEFAULT_MTIME. */
  mtime?: number | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Aborting stops the pass; temporaries are removed and nothing is written under the final name. */
  signal?: AbortSignal | undefined;
}

export interface PackResult {
  package: string;
  sidecar: string;
  sha256: string;
  version: string;
  edition: Edition;
  platform: string | null;
  /** Members written, the two scripts included. */
  entries: number;
  runnerFrom: string;
  escriptFrom: string;
  warnings: string[];
}

export function mtimeFrom(env: NodeJS.ProcessEnv, given?: number): number {
  if (given !== undefined) return given;
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return DEFAULT_MTIME;
  // An 11-digit octal mtime field holds up to 8^11 - 1 seconds (year 2242).
  if (!/^\d{1,11}$/.test(raw) || Number(raw) > 0o77777777777) {
    throw new RelupError('USAGE', `SOURCE_DATE_EPOCH=${JSON.stringify(raw)} is not a whole number of seconds`, {
      hint: 'set it to a Unix time such as $(git log -1 --format=%ct), or unset it',
    });
  }
  return Number(raw);
}

/** Versioned scripts held in memory until the version is known: a bound, so memory stays flat. */
const MAX_HELD_BYTES = 64 * 1024 * 1024;

const PASS_TYPES = new Set(['file', 'directory', 'symlink', 'link']);

/** The plain files whose versioned copies an EMQX-style escript installs (bin/<rel>_ctl, bin/nodetool). */
const COMPANION_SOURCE = /^bin\/(nodetool|[^/]+_ctl)$/;

interface Held {
  entry: { name: string; type: string; mode: number; size: number; linkname: string | null };
  data: Buffer | null;
}

/**
 * The single pass over the input: each member is repaired, classified and written to the body,
 * except the versioned scripts, which are held aside; the small metadata members are parsed on
 * the way through.
 */
class Pass {
  facts: InputFacts = { vars: null, startErl: null, rels: [], badRels: [], releaseDirs: [] };
  sources: Partial<Record<ScriptKind, ScriptCandidate>> = {};
  held: Held[] = [];
  /** releases/<dir>/relup files, held aside like the scripts: the release's own goes to the head. */
  relups: Held[] = [];
  /** releases/emqx_vars as a regular file, held aside for the head (the wrapper reads it going up). */
  vars: Held | null = null;
  layout: Layout | null = null;
  entries = 0;
  /** Every member name written, so what an EMQX-style escript needs can be added when missing. */
  names = new Set<string>();
  /** Members the additions may copy: the companions' plain files and the .rel files, as written. */
  copyable = new Map<string, Held>();
  private heldBytes = 0;
  private seen = new Set<string>();

  constructor(
    private readonly body: TarPack,
    private readonly mtime: Date,
  ) {}

  async take(e: InputEntry): Promise<void> {
    const isDir = e.type === 'directory';
    this.layout ??= detectLayout(e.name, isDir);
    const name = repairName(e.name, this.layout, isDir);
    if (name === null) return;
    if (!PASS_TYPES.has(e.type)) {
      throw new RelupError('BAD_PACKAGE', `member ${JSON.stringify(e.name)} is a ${e.type}; a release holds only files, directories and links`, {
        hint: 'remove it from the release',
      });
    }
    const linkname = e.type === 'link' && e.linkname !== null ? (repairName(e.linkname, this.layout, false) ?? '') : e.linkname;
    const role = classify(name);
    const dir = releaseDirOf(name);
    if (dir !== null && !this.facts.releaseDirs.includes(dir)) this.facts.releaseDirs.push(dir);
    if (role.kind === 'source' || role.kind === 'versioned') {
      if (this.seen.has(name)) {
        throw new RelupError('BAD_PACKAGE', `the input holds ${name} twice`, { hint: 'remove the duplicate entry, which would make the extracted script ambiguous' });
      }
      this.seen.add(name);
    }
    const relup = role.kind === 'relup' && e.type === 'file' && e.body !== null;
    if (role.kind === 'versioned' || relup) {
      // Held aside until the release's version is known: moved to the front or kept at the end.
      const data = e.body ? await collect(e.body, MAX_SCRIPT_BYTES) : null;
      if (e.body && data === null) throw new RelupError('BAD_PACKAGE', `${name} is over 16 MiB`, { hint: relup ? 'a relup of that size is not a release_handler script' : 'a versioned script must be small' });
      this.heldBytes += data?.length ?? 0;
      if (this.heldBytes > MAX_HELD_BYTES) {
        throw new RelupError('BAD_PACKAGE', `the input carries over ${MAX_HELD_BYTES >> 20} MiB of versioned scripts and relups (bin/emqx-<v>, bin/install_upgrade.escript-<v>, releases/<v>/relup)`, {
          hint: 'remove the scripts and relups of other versions from the release',
        });
      }
      (relup ? this.relups : this.held).push({ entry: { name, type: e.type, mode: e.mode, size: e.size, linkname }, data });
      return;
    }
    if (role.kind === 'vars' && e.type === 'file' && e.body !== null && this.vars === null) {
      const data = await collect(e.body, MAX_SCRIPT_BYTES);
      if (data === null) throw new RelupError('BAD_PACKAGE', `${name} is over 16 MiB`, { hint: 'releases/emqx_vars is a few KiB of shell assignments' });
      this.vars = { entry: { name, type: e.type, mode: e.mode, size: data.length, linkname }, data };
      this.facts.vars = varsLiterals(data.toString('utf8'));
      this.names.add(name);
      return;
    }
    const header: EntryHeader = { name, type: e.type, mode: e.mode, size: e.size, mtime: this.mtime, uid: 0, gid: 0, ...(linkname ? { linkname } : {}) };
    // Scripts and metadata are also kept in memory (bounded) while they stream through.
    const keep = role.kind !== 'other' && role.kind !== 'relup' && e.body !== null;
    const kept: Buffer[] = [];
    let keptBytes = 0;
    const tap = (b: Buffer): void => {
      keptBytes += b.length;
      if (keptBytes <= MAX_SCRIPT_BYTES) kept.push(b);
    };
    const companion = COMPANION_SOURCE.test(name);
    await writeEntry(this.body, header, e.body, keep || companion ? tap : undefined);
    this.entries++;
    this.names.add(name);
    const data = e.body === null ? null : keptBytes <= MAX_SCRIPT_BYTES ? Buffer.concat(kept, keptBytes) : Buffer.alloc(MAX_SCRIPT_BYTES + 1);
    if (companion || role.kind === 'rel') this.copyable.set(name, { entry: { name, type: e.type, mode: e.mode, size: data?.length ?? 0, linkname }, data });
    if (role.kind === 'other' || role.kind === 'relup') return;
    if (role.kind === 'source') {
      this.sources[role.script] = { origin: name, data, type: e.type };
      return;
    }
    if (data === null) return;
    const text = data.toString('utf8');
    if (role.kind === 'vars') this.facts.vars = varsLiterals(text);
    else if (role.kind === 'start-erl') this.facts.startErl = parseStartErlData(text);
    else {
      const rel = parseRelFile(name, text);
      if (rel) this.facts.rels.push(rel);
      else this.facts.badRels.push(name);
    }
  }
}

/** Packs `opts.input` into `<outDir>/<base>-<v>[-<platform>].tar.gz` plus its `.sha256`. */
export async function pack(opts: PackOptions): Promise<PackResult> {
  const env = opts.env ?? process.env;
  const level = opts.level ?? 6;
  if (!Number.isInteger(level) || level < 1 || level > 9) throw new RelupError('USAGE', `--level ${opts.level} is not 1-9`, { hint: 'use 6, as gzip -6' });
  const mtime = new Date(mtimeFrom(env, opts.mtime) * 1000);
  const outDir = resolve(opts.outDir ?? '.');
  const input = resolve(opts.input);

  // Everything that can be checked before the input is read.
  if (opts.wrapper) throw wrapperRefused('--wrapper');
  const overrides: { runner?: ScriptCandidate; escript?: ScriptCandidate } = {};
  if (opts.runner) overrides.runner = readOverride(opts.runner, '--runner');
  if (opts.escript) overrides.escript = readOverride(opts.escript, '--escript');
  const outStat = await stat(outDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    throw fromFsError(e, outDir, 'opening the output directory');
  });
  if (!outStat?.isDirectory()) {
    throw new RelupError('NOT_FOUND', `the output directory ${outDir} does not exist`, { hint: 'create it or give another --out' });
  }
  const kind = await inputKind(input);
  if (kind === 'directory') {
    // The spool and the package would otherwise be read back into themselves.
    const [inReal, outReal] = [realpathSync(input), realpathSync(outDir)];
    if (outReal === inReal || outReal.startsWith(`${inReal}/`)) {
      throw new RelupError('USAGE', `the output directory ${outDir} is inside the release directory ${input} being packed`, {
        hint: 'give --out a directory outside the release',
      });
    }
  }
  const inputName = kind === 'directory' ? null : parsePackageName(basename(input));
  const { platform, warning: platformWarning } = choosePlatform(opts.platform, inputName, opts.machine ?? readMachine());
  if (platform !== null) outputFileName('community', '0.0.0', platform);

  const tag = `${process.pid}.${randomBytes(4).toString('hex')}`;
  const spoolPath = join(outDir, `.emqx-relup-pack.${tag}.spool`);
  const temps = [spoolPath];
  let body: TarPack | null = null;
  try {
    // Body: every member but the versioned scripts, through tar-stream and deflate into the spool.
    const { pack: makePack } = await import('tar-stream');
    body = makePack({});
    const deflater = new ParallelDeflate(level);
    const spool = createWriteStream(spoolPath, { flags: 'wx', mode: 0o600, highWaterMark: READ_CHUNK });
    let spoolError: RelupError | null = null;
    const spooled = pipeline(body, deflater, spool).catch((e) => {
      spoolError ??= fromFsError(e, spoolPath, 'writing the package');
      throw spoolError;
    });
    spooled.catch(() => undefined);

    const pass = new Pass(body, mtime);
    try {
      await forEachMember(input, kind, (e) => pass.take(e), opts.signal);
    } catch (e) {
      // Ends the spool pipeline too, so no stream outlives the failure; a failed write to the
      // spool (disk full) is the real cause of whatever the pass saw next.
      body.destroy(e as Error);
      throw spoolError ?? e;
    }
    const { facts, sources, held } = pass;
    if (pass.layout === null) throw new RelupError('BAD_PACKAGE', `${input} is empty`, { hint: 'give a release package or directory' });

    const release = resolveRelease(facts, { version: opts.version, edition: opts.edition, inputName });
    const v = release.version;
    const find = (k: ScriptKind): ScriptCandidate | undefined => {
      const h = held.find((x) => x.entry.name === (k === 'runner' ? runnerName(v) : escriptName(v)));
      return h ? { origin: h.entry.name, data: h.data, type: h.entry.type } : undefined;
    };
    const choice = chooseScripts(v, overrides, { runner: find('runner'), escript: find('escript') }, sources);
    if (hasMarker(choice.runner.data)) throw wrapperRefused(choice.runner.origin);
    const fileName = outputFileName(release.edition, v, platform);
    const warnings = [...release.warnings, ...choice.replaced.map((n) => `${n} of the input was replaced by the given script`)];
    if (platformWarning) warnings.push(platformWarning);

    // What an EMQX-style escript needs beside the scripts, copied from the release's own files.
    const extra = additions(v, release.relName, release.rel, pass.names);
    for (const a of extra.add) {
      const src = pass.copyable.get(a.from);
      if (!src) continue;
      const m = src.entry;
      const isFile = m.type === 'file' && src.data !== null;
      await writeEntry(
        body,
        { name: a.name, type: isFile ? 'file' : m.type, mode: m.mode, size: isFile ? src.data!.length : 0, mtime, uid: 0, gid: 0, ...(m.linkname ? { linkname: m.linkname } : {}) },
        isFile ? src.data : null,
      );
      pass.entries++;
    }
    for (const name of extra.missing) {
      warnings.push(`the release has no ${name.slice(0, name.lastIndexOf('-'))}, so the package has no ${name}: EMQX's install_upgrade.escript copies it on a permanent install and crashes without it`);
    }

    // Versioned scripts and relups of other versions keep their place at the end of the body.
    const ownRelup = pass.relups.find((h) => h.entry.name === relupMember(v)) ?? null;
    for (const h of [...held, ...pass.relups]) {
      if (h.entry.name === runnerName(v) || h.entry.name === escriptName(v) || h === ownRelup) continue;
      const m = h.entry;
      await writeEntry(body, { name: m.name, type: m.type, mode: m.mode, size: h.data?.length ?? 0, mtime, uid: 0, gid: 0, ...(m.linkname ? { linkname: m.linkname } : {}) }, h.data);
      pass.entries++;
    }
    body.finalize();
    await spooled;
    opts.signal?.throwIfAborted();

    // Head: the two scripts as tar members (without the end-of-archive blocks).
    const head = makePack({});
    const headParts: Buffer[] = [];
    head.on('data', (b: unknown) => headParts.push(b as Buffer));
    const headDone = new Promise<void>((r, j) => {
      head.on('end', () => r());
      head.on('error', j);
    });
    await writeEntry(head, { name: runnerName(v), type: 'file', mode: 0o755, size: choice.runner.data.length, mtime, uid: 0, gid: 0 }, choice.runner.data);
    await writeEntry(head, { name: escriptName(v), type: 'file', mode: 0o755, size: choice.escript.data.length, mtime, uid: 0, gid: 0 }, choice.escript.data);
    if (ownRelup) {
      await writeEntry(head, { name: ownRelup.entry.name, type: 'file', mode: ownRelup.entry.mode, size: ownRelup.data!.length, mtime, uid: 0, gid: 0 }, ownRelup.data);
    }
    if (pass.vars) {
      await writeEntry(head, { name: pass.vars.entry.name, type: 'file', mode: pass.vars.entry.mode, size: pass.vars.data!.length, mtime, uid: 0, gid: 0 }, pass.vars.data);
    }
    head.finalize();
    await headDone;
    const headTar = Buffer.concat(headParts);
    const headRaw = headTar.subarray(0, headTar.length - 1024);

    const finalPath = join(outDir, fileName);
    const tmpPath = join(outDir, `.${fileName}.${tag}.tmp`);
    temps.push(tmpPath);
    const sha256 = await assemble(tmpPath, spoolPath, headRaw, deflater, level, opts.signal);
    opts.signal?.throwIfAborted();
    const sidecarPath = `${finalPath}.sha256`;
    const sidecarTmp = join(outDir, `.${fileName}.sha256.${tag}.tmp`);
    temps.push(sidecarTmp);
    await writeSmallFile(sidecarTmp, `${sha256}  ${fileName}\n`);
    await renameInto(tmpPath, finalPath);
    await renameInto(sidecarTmp, sidecarPath);
    await syncDir(outDir);
    return {
      package: finalPath,
      sidecar: sidecarPath,
      sha256,
      version: v,
      edition: release.edition,
      platform,
      entries: pass.entries + 2 + (ownRelup ? 1 : 0) + (pass.vars ? 1 : 0),
      runnerFrom: choice.runner.origin,
      escriptFrom: choice.escript.origin,
      warnings,
    };
  } finally {
    // On a refusal after the pass, this ends the spool pipeline; after success it is a no-op.
    body?.destroy();
    for (const t of temps) await unlink(t).catch(() => undefined);
  }
}

/**
 * EMQX's install_upgrade.escript copies bin/emqx-<v> over bin/emqx after make_permanent: a wrapper
 * there would replace the release's runner, and every later `emqx stop` would find none.
 */
function wrapperRefused(origin: string): RelupError {
  return new RelupError('USAGE', `${origin} would make the emqx-relup wrapper bin/emqx-<version>, which EMQX's install_upgrade.escript copies over bin/emqx on a permanent install, leaving the release without its runner`, {
    hint: "ship the release's own runner as bin/emqx-<version> and install the wrapper beside EMQX (docs/real-emqx.md)",
  });
}

