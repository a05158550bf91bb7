// A release root in a temp dir with recording stand-ins for the parts the wrapper runs:
// erts-*/bin/escript (ping via nodetool answers from a flag file; any escript run is logged),
// the release runner bin/emqx, and packages made by GNU tar. Used by the wrapper's integration tests.
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync, existsSync, chmodSync, readdirSync, lstatSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { compareVersions } from '../../src/version/index.js';
import { fileSha256 } from './support.js';

export const ERTS = '13.1.5';

// Records every call as one JSON line in <root>/calls.log. As nodetool it answers pong (and eval
// with <root>/peers, else []) only while <root>/node-up exists (and crashes with the text of <root>/nodetool-crash when present); as install_upgrade.escript it exits with <root>/escript-exit (or 0).
const RECORDER = `#!/usr/bin/env node
const fs = require('node:fs'), path = require('node:path');
const root = path.resolve(__dirname, '..', '..');
const me = path.basename(process.argv[1]);
const env = {};
for (const k of ['IS_ENTERPRISE', 'RUNNER_ROOT_DIR', 'REL_VSN', 'ERL_FLAGS', 'EMQX_RELUP_HOPS', 'EMQX_ROOT', 'EMQX_RELUP_LOCK', 'EMQX_RELUP_PASSTHROUGH']) if (process.env[k] !== undefined) env[k] = process.env[k];
fs.appendFileSync(path.join(root, 'calls.log'), JSON.stringify({ prog: me, args: process.argv.slice(2), cwd: process.cwd(), env, uid: process.getuid() }) + '\\n');
const script = process.argv[2] || '';
if (path.basename(script) === 'nodetool') {
  const crash = path.join(root, 'nodetool-crash');
  if (fs.existsSync(crash)) { process.stderr.write(fs.readFileSync(crash, 'utf8')); process.exit(127); }
  // eval is the wrapper asking for the node's cluster peers (nodes()): <root>/peers, else none.
  if (fs.existsSync(path.join(root, 'node-up')) && process.argv[7] === 'eval') {
    const peers = path.join(root, 'peers');
    console.log(fs.existsSync(peers) ? fs.readFileSync(peers, 'utf8').trim() : '[]'); process.exit(0);
  }
  if (fs.existsSync(path.join(root, 'node-up'))) { console.log('pong'); process.exit(0); }
  console.log('Node is not running!'); process.exit(1);
}
let code = 0;
try { code = Number(fs.readFileSync(path.join(root, 'escript-exit'), 'utf8')); } catch {}
if (fs.existsSync(path.join(root, 'escript-sleep'))) setTimeout(() => process.exit(code), 60000);
else process.exit(code);
`;

/** Versions the stand-in relups connect: each release's relup goes up from and down to every older one. */
const RELUP_VERSIONS = ['4.4.9', '5.0.0', '5.0.1', '5.0.2', '5.0.3', '5.0.10'];

/** releases/<v>/relup as systools writes it, up from and down to every older RELUP_VERSIONS entry. */
export function standInRelup(version: string): string {
  const older = RELUP_VERSIONS.filter((v) => compareVersions(v, version) < 0);
  const paths = older.map((v) => `{"${v}",[],[point_of_no_return]}`).join(',');
  return `%% coding: utf-8\n{"${version}",[${paths}],[${paths}]}.\n`;
}

/** A legacy EMQX-style shell emqx-<v>: runs its own version's escript, as the reference does. */
export function legacyRunner(version: string): string {
  return `#!/bin/sh
# legacy shell runner for ${version}
set -e
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
printf '%s\\n' "{\\"prog\\":\\"legacy-emqx-${version}\\",\\"args\\":\\"$*\\"}" >> "$ROOT/calls.log"
cmd="$1"; shift
vsn="$1"; shift
exec "$ROOT/erts-${ERTS}/bin/escript" "$ROOT/bin/install_upgrade.escript-${version}" "$cmd" "{'emqx', \\"-name\\", 'emqx@127.0.0.1', 'cookie'}" "$vsn" "$@"
`;
}

/** releases/emqx_vars of the fake root and, by default, of its packages. */
export function fakeVars(version: string, enterprise = false): string {
  return `## generated\nREL_NAME="emqx"\nREL_VSN="${version}"\nERTS_VSN="${ERTS}"\nIS_ENTERPRISE="${enterprise ? 'yes' : 'no'}"\nEMQX_DEFAULT_ERLANG_COOKIE="emqxsecretcookie"\n`;
}

export interface FakeRoot {
  root: string;
  calls(): { prog: string; args: string[] | string; cwd?: string; env?: Record<string, string>; uid?: number }[];
  nodeUp(up: boolean): void;
  escriptExit(code: number): void;
  /** Names, modes, sizes, sha256 of bin/ (symlinks as their targets), to prove "unchanged". */
  snapshot(dir?: string): string;
  cleanup(): void;
}

export interface FakeRootOptions {
  version?: string;
  enterprise?: boolean;
  nodetool?: boolean;
  /** Extra lines appended to emqx_vars. */
  varsExtra?: string;
  /** Put bin/emqx-<v> and bin/install_upgrade.escript-<v> of the installed version in bin/. */
  versionedScripts?: boolean;
  /** releases/<v>/relup of the installed version (default: the stand-in); false for none. */
  relup?: boolean;
}

export function makeFakeRoot(opts: FakeRootOptions = {}): FakeRoot {
  const version = opts.version ?? '5.0.0';
  const root = mkdtempSync(join(tmpdir(), 'relup-root-'));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'releases', version), { recursive: true });
  mkdirSync(join(root, `erts-${ERTS}`, 'bin'), { recursive: true });
  writeFileSync(join(root, 'releases', 'emqx_vars'), `${fakeVars(version, opts.enterprise)}${opts.varsExtra ?? ''}`);
  writeFileSync(join(root, 'releases', version, 'vm.args'), `-name emqx@127.0.0.1\n-setcookie cookie\n`);
  if (opts.relup !== false) writeFileSync(join(root, 'releases', version, 'relup'), standInRelup(version));
  writeFileSync(join(root, `erts-${ERTS}`, 'bin', 'escript'), RECORDER, { mode: 0o755 });
  if (opts.nodetool !== false) writeFileSync(join(root, 'bin', 'nodetool'), '%% stand-in nodetool\n', { mode: 0o755 });
  writeFileSync(join(root, 'bin', 'emqx'), `#!/bin/sh\nROOT="$(cd "$(dirname "$0")/.." && pwd)"\nprintf '%s\\n' "{\\"prog\\":\\"runner\\",\\"args\\":\\"$*\\",\\"env\\":{\\"EMQX_RELUP_PASSTHROUGH\\":\\"$EMQX_RELUP_PASSTHROUGH\\"}}" >> "$ROOT/calls.log"\nexit 7\n`, { mode: 0o755 });
  writeFileSync(join(root, 'bin', 'install_upgrade.escript'), `%% plain escript of ${version}\n`, { mode: 0o755 });
  if (opts.versionedScripts !== false) {
    writeFileSync(join(root, 'bin', `emqx-${version}`), legacyRunner(version), { mode: 0o755 });
    writeFileSync(join(root, 'bin', `install_upgrade.escript-${version}`), `%% escript of ${version}\n`, { mode: 0o755 });
  }
  writeFileSync(join(root, 'node-up'), '');
  const fr: FakeRoot = {
    root,
    calls() {
      const log = join(root, 'calls.log');
      if (!existsSync(log)) return [];
      return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    },
    nodeUp(up) {
      if (up) writeFileSync(join(root, 'node-up'), '');
      else rmSync(join(root, 'node-up'), { force: true });
    },
    escriptExit(code) {
      writeFileSync(join(root, 'escript-exit'), String(code));
    },
    snapshot(dir = join(root, 'bin')) {
      return snapshotDir(dir);
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  return fr;
}

export function snapshotDir(dir: string): string {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name === 'calls.log') continue; // the stand-ins' own bookkeeping
      const p = join(d, name);
      const st = lstatSync(p);
      const r = rel ? `${rel}/${name}` : name;
      if (st.isSymbolicLink()) out.push(`${r} -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.push(`${r}/ ${(st.mode & 0o7777).toString(8)}`);
        walk(p, r);
      } else out.push(`${r} ${(st.mode & 0o7777).toString(8)} ${st.size} ${fileSha256(p).slice(0, 16)}`);
    }
  };
  walk(dir, '');
  return out.join('\n');
}

export interface PackageSpec {
  version: string;
  enterprise?: boolean;
  platform?: string;
  /** Content of bin/emqx-<v>; default: the legacy shell runner. */
  runner?: string | Buffer;
  escript?: string;
  /** Extra files (relative path -> content) placed before the scripts. */
  before?: Record<string, string | Buffer>;
  /** releases/<v>/relup, after the .rel: default the stand-in (up from every older version), null for none. */
  relup?: string | null;
  omitEscript?: boolean;
  /** releases/emqx_vars, last in the package: default fakeVars of its version, null for none. */
  emqxVars?: string | null;
  format?: 'gnu' | 'pax';
}

/** A package made by GNU tar into dir (default: <root>/releases); returns its path. */
export function makePackage(dir: string, spec: PackageSpec): string {
  const stage = mkdtempSync(join(tmpdir(), 'relup-pkg-'));
  try {
    const names: string[] = [];
    for (const [rel, content] of Object.entries(spec.before ?? {})) {
      mkdirSync(dirname(join(stage, rel)), { recursive: true });
      writeFileSync(join(stage, rel), content);
      names.push(rel);
    }
    mkdirSync(join(stage, 'bin'), { recursive: true });
    mkdirSync(join(stage, 'releases', spec.version), { recursive: true });
    writeFileSync(join(stage, 'releases', spec.version, 'emqx.rel'), `{release,{"emqx","${spec.version}"},{erts,"${ERTS}"},[]}.\n`);
    names.push(`releases/${spec.version}/emqx.rel`);
    const relup = spec.relup === undefined ? standInRelup(spec.version) : spec.relup;
    if (relup !== null && !names.includes(`releases/${spec.version}/relup`)) {
      writeFileSync(join(stage, 'releases', spec.version, 'relup'), relup);
      names.push(`releases/${spec.version}/relup`);
    }
    writeFileSync(join(stage, 'bin', `emqx-${spec.version}`), spec.runner ?? legacyRunner(spec.version), { mode: 0o755 });
    names.push(`bin/emqx-${spec.version}`);
    if (!spec.omitEscript) {
      writeFileSync(join(stage, 'bin', `install_upgrade.escript-${spec.version}`), spec.escript ?? `%% escript of ${spec.version}\n`, { mode: 0o755 });
      names.push(`bin/install_upgrade.escript-${spec.version}`);
    }
    const vars = spec.emqxVars === undefined ? fakeVars(spec.version, spec.enterprise) : spec.emqxVars;
    if (vars !== null && !names.includes('releases/emqx_vars')) {
      writeFileSync(join(stage, 'releases', 'emqx_vars'), vars);
      names.push('releases/emqx_vars');
    }
    const base = spec.enterprise ? 'emqx-enterprise' : 'emqx';
    const file = join(dir, `${base}-${spec.version}${spec.platform ? `-${spec.platform}` : ''}.tar.gz`);
    execFileSync('tar', ['-czf', file, `--format=${spec.format ?? 'gnu'}`, '-C', stage, ...names]);
    return file;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export function sha256Sidecar(pkg: string, hash?: string): void {
  const h = hash ?? fileSha256(pkg);
  writeFileSync(`${pkg}.sha256`, `${h}  ${pkg.split('/').pop()}\n`);
}

export function chmod(p: string, mode: number): void {
  chmodSync(p, mode);
}

export const repoRoot = join(dirname(new URL(import.meta.url).pathname), '..', '..', '..');
export const wrapperBin = join(repoRoot, 'bin', 'emqx');
export const bundle = join(repoRoot, 'dist', 'emqx.cjs');

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function runWrapper(args: string[], env: NodeJS.ProcessEnv = {}, file = wrapperBin): RunResult {
  // A missing build would show as a bare spawn error: say what is wrong.
  if (file === bundle && !existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` (npm test builds it)`);
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith('EMQX_')) delete clean[k];
  const r = spawnSync(file, args, { env: { ...clean, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
