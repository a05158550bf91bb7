// decide(): every branch of the wrapper's decision as a table over plain facts, no file system.
// The effects that collect these facts are proved once each, for real, in gather.test.ts and the
// CLI/e2e tests; here a row says what an operator's situation is and what must be decided.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, packageNeeds, PATCH_COMMANDS, type NeedsFacts, type PingFact, type WrapperFacts } from '../src/decide.js';
import { RelupError } from '../src/errors.js';
import type { PackageProbe } from '../src/package/locate.js';
import type { SidecarFact } from '../src/package/checksum.js';
import { NOTHING, type PackageRead, type VarsFact } from '../src/package/read.js';
import { decodeCarried, ENV_PACKAGES } from '../src/package/carried.js';
import type { ReleaseFacts, RelupFact } from '../src/release/index.js';
import { parseTarget } from '../src/version/index.js';
import { parseShellAssignments } from '../src/release/shell-assignments.js';

const ROOT = '/opt/emqx';
const REL = `${ROOT}/releases`;
const PKG1 = 'emqx-5.0.1-ubuntu22.04-amd64.tar.gz';
const PKG0 = 'emqx-5.0.0-ubuntu22.04-amd64.tar.gz';
const IDENTITY = { dev: 1, ino: 2, size: 1000, mtimeMs: 3 };
const ok: PackageProbe = { size: 1000, identity: IDENTITY };
const SHA = 'ab'.repeat(32);
const sidecarOf = (p: string, hash = SHA): SidecarFact => ({ kind: 'found', text: `${hash}  ${p.slice(p.lastIndexOf('/') + 1)}\n` });

function release(over: { relVsn?: string; enterprise?: boolean; nodetool?: boolean } = {}): ReleaseFacts {
  const edition = over.enterprise ? 'enterprise' : 'community';
  return {
    root: ROOT,
    vars: {
      file: `${REL}/emqx_vars`,
      relName: 'emqx',
      relVsn: over.relVsn ?? '5.0.0',
      ertsVsn: '13.1',
      isEnterprise: over.enterprise ? 'yes' : 'no',
      edition,
      defaultCookie: null,
      table: new Map(),
    },
    node: { name: 'emqx@127.0.0.1', nameType: '-name', nameSource: { kind: 'default' }, cookie: 'secret', cookieSource: { kind: 'default' }, warnings: [] },
    escript: `${ROOT}/erts-13.1/bin/escript`,
    escriptFromRelease: true,
    nodetool: over.nodetool === false ? null : `${ROOT}/bin/nodetool`,
    hasEkka: true,
    warnings: [],
  };
}

interface Situation {
  command?: WrapperFacts['command'];
  target?: string | null;
  relVsn?: string;
  enterprise?: boolean;
  selfVersion?: string | null;
  packageFlag?: string | null;
  /** Files in releases/ (each probed as readable unless `probes` says otherwise), or the listing error. */
  releases?: string[] | RelupError;
  probes?: Record<string, PackageProbe>;
  scriptsInBin?: string[];
  plainEscript?: boolean;
  hops?: number;
  ping?: PingFact;
  nodetool?: boolean;
  targetStatus?: string | null;
  targetStartBoot?: boolean;
  /** Real directories of a named package path and of releases/. */
  place?: { namedDir: string; releasesDir: string } | null;
  /** The release RELEASES says runs (current, else permanent). */
  running?: string | null;
  /** Relups by version (on disk) and by package file name or path; by default every one leads everywhere. */
  installedRelups?: Record<string, RelupFact>;
  packageRelups?: Record<string, RelupFact>;
  /** Sidecars by package file name or path; by default each package has one that matches. */
  sidecars?: Record<string, SidecarFact>;
  /** What the one read of a package found, over the default (scripts, relup and sha256 all there). */
  reads?: Record<string, Partial<PackageRead>>;
  requireChecksum?: boolean;
  dryRun?: boolean;
  json?: boolean;
  /** The newest version's runner already in bin/ is this wrapper. */
  binRunnerIsWrapper?: boolean;
  /** emqx_vars of the installed release and of packages (by file name or path; default: an empty file); the operator's environment. */
  installedVars?: string;
  packageVars?: Record<string, VarsFact>;
  env?: Record<string, string>;
  /** Modules in <data_dir>/patches (gather lists them for install, upgrade, downgrade only), or the listing error; --allow-patches. */
  patches?: string[] | RelupError;
  allowPatches?: boolean;
  /** Overrides of the node facts (cookie and its sources). */
  node?: Partial<ReleaseFacts['node']>;
}

// As EMQX's rendered emqx_vars of v5.0.20 (RUNNER_LOG_DIR only) and v5.0.26 (EMQX_LOG_DIR exported).
const OLD_VARS = 'REL_VSN="5.0.0"\nRUNNER_LOG_DIR="${EMQX_LOG_DIR:-${RUNNER_LOG_DIR:-/opt/emqx/log}}"\nREL_NAME="emqx"\n';
const LOG_LINE = 'export EMQX_LOG_DIR="${EMQX_LOG_DIR:-${RUNNER_LOG_DIR:-/opt/emqx/log}}"';
const NEW_VARS = `REL_VSN="5.0.1"\n## RUNNER_LOG_DIR is kept for backward compatibility.\n${LOG_LINE}\nREL_NAME="emqx"\n`;
const newVars = (text: string): VarsFact => ({ kind: 'found', file: 'releases/emqx_vars in the package', text });
const abs = (f: string) => (f.startsWith('/') ? f : `${REL}/${f}`);
const ALL = ['5.0.0', '5.0.1', '5.0.2'];
const found = (version: string, upFrom: string[], downTo: string[] = [], file = `${REL}/${version}/relup`): RelupFact => ({ kind: 'found', file, relup: { version, upFrom, downTo } });
const absent = (file: string): RelupFact => ({ kind: 'absent', file });

function facts(s: Situation): WrapperFacts {
  const files = s.releases instanceof RelupError ? [] : (s.releases ?? []);
  const probes: Record<string, PackageProbe> = {};
  for (const f of files) probes[`${REL}/${f}`] = ok;
  if (s.packageFlag) probes[s.packageFlag.startsWith('/') ? s.packageFlag : `${REL}/${s.packageFlag}`] = ok;
  Object.assign(probes, s.probes ?? {});
  const target = s.target === undefined ? '5.0.1' : s.target;
  const installed: Record<string, RelupFact> = Object.fromEntries(ALL.map((v) => [v, found(v, ALL.filter((x) => x < v), ALL.filter((x) => x < v))]));
  const packages: Record<string, RelupFact> = {};
  for (const p of Object.keys(probes)) {
    const v = /-(5\.0\.\d+)/.exec(p)?.[1] ?? '5.0.1';
    packages[p] = found(v, ALL.filter((x) => x < v), ALL.filter((x) => x < v), `releases/${v}/relup in ${p}`);
  }
  for (const [k, v] of Object.entries(s.packageRelups ?? {})) packages[abs(k)] = v;
  const packageVars: Record<string, VarsFact> = Object.fromEntries(Object.keys(probes).map((p) => [p, { kind: 'found', file: `releases/emqx_vars in ${p}`, text: '' }]));
  for (const [k, v] of Object.entries(s.packageVars ?? {})) packageVars[abs(k)] = v;
  const rel = release({ relVsn: s.relVsn, enterprise: s.enterprise, nodetool: s.nodetool });
  if (s.installedVars !== undefined) rel.vars.table = parseShellAssignments(s.installedVars);
  Object.assign(rel.node, s.node ?? {});
  const reads: Record<string, PackageRead> = {};
  const sidecars: Record<string, SidecarFact> = {};
  for (const p of Object.keys(probes)) {
    const v = /-(5\.0\.\d+)/.exec(p)?.[1] ?? '5.0.1';
    const files = [`emqx-${v}`, `install_upgrade.escript-${v}`].map((dest) => ({ dest, data: Buffer.from(`#!/bin/sh\n# ${dest}\n`) }));
    reads[p] = { path: p, needs: { ...NOTHING, scripts: v, relup: v, hash: true }, identity: IDENTITY, sha256: SHA, bytesRead: 100, entriesSeen: 3, scripts: { kind: 'found', files }, relup: packages[p]!, vars: packageVars[p]!, failure: null };
    sidecars[p] = sidecarOf(p);
  }
  for (const [k, v] of Object.entries(s.reads ?? {})) reads[abs(k)] = { ...reads[abs(k)]!, ...v };
  for (const [k, v] of Object.entries(s.sidecars ?? {})) sidecars[abs(k)] = v;
  return {
    command: s.command ?? 'upgrade',
    target: target === null ? null : parseTarget(target),
    passArgs: [],
    packageFlag: s.packageFlag ?? null,
    cwd: '/home/op',
    hops: s.hops ?? 0,
    selfVersion: s.selfVersion ?? null,
    root: ROOT,
    release: rel,
    place: s.place ?? null,
    releases: s.releases instanceof RelupError ? { error: s.releases } : files,
    scriptsInBin: s.scriptsInBin ?? [],
    plainEscript: s.plainEscript ?? true,
    probes,
    targetStatus: s.targetStatus ?? null,
    targetStartBoot: s.targetStartBoot ?? false,
    runningRelease: s.running ?? null,
    installedRelups: { ...installed, ...(s.installedRelups ?? {}) },
    sidecars,
    reads,
    requireChecksum: s.requireChecksum ?? false,
    dryRun: s.dryRun ?? false,
    json: s.json ?? false,
    binRunnerIsWrapper: s.binRunnerIsWrapper ?? false,
    env: s.env ?? {},
    patches: !PATCH_COMMANDS.includes(s.command ?? 'upgrade') ? null : s.patches instanceof RelupError ? { error: s.patches } : { dir: `${ROOT}/data/patches`, modules: s.patches ?? [], warning: null },
    allowPatches: s.allowPatches ?? false,
    ping: s.ping ?? { kind: 'alive' },
  };
}

interface Want {
  action?: 'exec-newer' | 'run-escript';
  /** The escript run, relative to the root (run-escript), or the runner handed over to. */
  runs?: string;
  /** Package the scripts come from (file name in releases/ or absolute path), or null. */
  pkg?: string | null;
  /** Packages whose sidecars are checked. */
  verify?: string[];
  warn?: RegExp;
  noWarnings?: boolean;
  /** The lines appended to the installed emqx_vars (none: null). */
  vars?: string[] | null;
  /** Hot patch modules gone on with. */
  patchesAllowed?: string[];
}

interface Row {
  name: string;
  s: Situation;
  want: Want | { code: string; exit: number; says: RegExp };
}

const rows: Row[] = [
  // Where the scripts come from (EIP-0022 step 3).
  { name: 'scripts of the target already in bin/', s: { scriptsInBin: ['5.0.1'], releases: [PKG1] }, want: { action: 'exec-newer', runs: 'bin/emqx-5.0.1', pkg: null, verify: [PKG1], noWarnings: true } },
  { name: 'scripts from the only package of the target', s: { releases: [PKG1, PKG0] }, want: { action: 'exec-newer', runs: 'bin/emqx-5.0.1', pkg: PKG1, verify: [PKG1] } },
  { name: 'target given as the package file name', s: { target: PKG1, releases: [PKG1] }, want: { action: 'exec-newer', pkg: PKG1 } },
  { name: 'no package of the target anywhere', s: { releases: [PKG0] }, want: { code: 'NOT_FOUND', exit: 66, says: /no package of version 5\.0\.1 in \/opt\/emqx\/releases.*emqx-5\.0\.0-ubuntu22\.04-amd64\.tar\.gz/ } },
  { name: 'two packages of the target', s: { releases: [PKG1, 'emqx-5.0.1-el8-amd64.tar.gz'] }, want: { code: 'AMBIGUOUS_PACKAGE', exit: 78, says: /2 packages of version 5\.0\.1/ } },
  { name: 'the package cannot be read', s: { releases: [PKG1], probes: { [abs(PKG1)]: { error: new RelupError('PERMISSION', 'permission denied on it') } } }, want: { code: 'PERMISSION', exit: 77, says: /permission denied/ } },
  { name: 'releases/ cannot be listed', s: { releases: new RelupError('PERMISSION', 'permission denied on /opt/emqx/releases') }, want: { code: 'PERMISSION', exit: 77, says: /releases/ } },
  // --package.
  { name: '--package does not stop EMQX\'s escript glob from seeing two', s: { packageFlag: PKG1, releases: [PKG1, 'emqx-5.0.1-el8-amd64.tar.gz'] }, want: { code: 'AMBIGUOUS_PACKAGE', exit: 78, says: /escript|emqx-5\.0\.1/ } },
  { name: '--package with scripts already in bin/: not read, said so', s: { packageFlag: PKG1, scriptsInBin: ['5.0.1'], releases: [PKG1] }, want: { action: 'exec-newer', pkg: null, warn: /already in bin\/; the scripts are not read from --package/ } },
  { name: '--package of another version', s: { packageFlag: PKG0, releases: [PKG0, PKG1] }, want: { code: 'USAGE', exit: 64, says: /holds version 5\.0\.0 but version 5\.0\.1 is needed/ } },
  { name: '--package that is no package name', s: { packageFlag: 'notes.txt' }, want: { code: 'BAD_TARGET', exit: 64, says: /--package "notes\.txt" is not a package name/ } },
  { name: '--package missing', s: { packageFlag: PKG1, probes: { [abs(PKG1)]: { error: new RelupError('NOT_FOUND', `${abs(PKG1)} does not exist`) } } }, want: { code: 'NOT_FOUND', exit: 66, says: /does not exist/ } },
  // The package place rule: unpack and upgrade need it in releases/.
  {
    name: 'upgrade with a package outside releases/',
    s: { target: `/tmp/${PKG1}`, probes: { [`/tmp/${PKG1}`]: ok }, place: { namedDir: '/tmp', releasesDir: REL } },
    want: { code: 'USAGE', exit: 64, says: /outside \/opt\/emqx\/releases, where 'upgrade' needs the package/ },
  },
  { name: 'install with a package outside releases/', s: { command: 'install', target: `/tmp/${PKG1}`, probes: { [`/tmp/${PKG1}`]: ok }, place: { namedDir: '/tmp', releasesDir: REL } }, want: { action: 'exec-newer', pkg: `/tmp/${PKG1}` } },
  { name: 'upgrade with a path into releases/ (a symlinked root)', s: { target: `/data/emqx/releases/${PKG1}`, probes: { [`/data/emqx/releases/${PKG1}`]: ok }, place: { namedDir: REL, releasesDir: REL } }, want: { action: 'exec-newer', pkg: `/data/emqx/releases/${PKG1}` } },
  // Editions (EIP-0022 step 2), before anything else but the place.
  { name: 'enterprise target on a community install', s: { target: 'emqx-enterprise-5.0.1', releases: [PKG1] }, want: { code: 'EDITION_MISMATCH', exit: 78, says: /target emqx-enterprise-5\.0\.1 is enterprise edition but this installation is community/ } },
  { name: 'community package on an enterprise install', s: { enterprise: true, target: PKG1, releases: [PKG1] }, want: { code: 'EDITION_MISMATCH', exit: 78, says: /community edition but this installation is enterprise/ } },
  { name: 'only the other edition in releases/', s: { releases: ['emqx-enterprise-5.0.1-el8-amd64.tar.gz'] }, want: { code: 'EDITION_MISMATCH', exit: 78, says: /enterprise/ } },
  {
    name: 'place is refused before the edition',
    s: { target: `/tmp/emqx-enterprise-5.0.1.tar.gz`, probes: { '/tmp/emqx-enterprise-5.0.1.tar.gz': ok }, place: { namedDir: '/tmp', releasesDir: REL } },
    want: { code: 'USAGE', exit: 64, says: /outside/ },
  },
  // Versions and the hand-over (EIP-0022 steps 4, 5).
  { name: 'downgrade runs the installed (newer) scripts', s: { command: 'downgrade', target: '5.0.0', relVsn: '5.0.1', scriptsInBin: ['5.0.1'] }, want: { action: 'run-escript', runs: 'bin/install_upgrade.escript-5.0.1', pkg: null } },
  { name: 'the handed-over emqx-5.0.1 runs its escript', s: { selfVersion: '5.0.1', hops: 1, scriptsInBin: ['5.0.1'], releases: [PKG1] }, want: { action: 'run-escript', runs: 'bin/install_upgrade.escript-5.0.1' } },
  { name: 'a second hand-over is refused', s: { selfVersion: '5.0.1', hops: 1, target: '5.0.2', scriptsInBin: ['5.0.2'] }, want: { code: 'REEXEC_LOOP', exit: 70, says: /refusing a second hand-over/ } },
  { name: 'a hand-over made already, still not the newest', s: { hops: 1, scriptsInBin: ['5.0.1'] }, want: { code: 'REEXEC_LOOP', exit: 70, says: /hop 1/ } },
  { name: 'target older than a newer wrapper: no hand-over', s: { selfVersion: '5.0.2', relVsn: '5.0.0', scriptsInBin: ['5.0.2'], releases: [PKG1] }, want: { action: 'run-escript', runs: 'bin/install_upgrade.escript-5.0.2' } },
  // The node.
  { name: 'node down', s: { ping: { kind: 'down', line: "Node 'emqx@127.0.0.1' not responding to pings." }, scriptsInBin: ['5.0.1'] }, want: { code: 'NODE_DOWN', exit: 69, says: /not running/ } },
  { name: 'nodetool crashed', s: { ping: { kind: 'failed', line: 'badmatch' }, scriptsInBin: ['5.0.1'] }, want: { code: 'NODETOOL_FAILED', exit: 70, says: /badmatch/ } },
  { name: 'ping could not run', s: { ping: { kind: 'error', error: new RelupError('PERMISSION', 'permission denied on bin/nodetool') }, scriptsInBin: ['5.0.1'] }, want: { code: 'PERMISSION', exit: 77, says: /nodetool/ } },
  { name: 'no nodetool: warned, not refused', s: { ping: { kind: 'no-nodetool' }, nodetool: false, scriptsInBin: ['5.0.1'] }, want: { action: 'exec-newer', warn: /bin\/nodetool not found; cannot check that node emqx@127\.0\.0\.1 is running/ } },
  { name: 'the node is checked before the package is looked for', s: { ping: { kind: 'down', line: 'x' }, releases: [] }, want: { code: 'NODE_DOWN', exit: 69, says: /not running/ } },
  // The plain escript of the installed release, a last resort for its own version only.
  { name: 'versions with nothing but the plain escript', s: { command: 'versions', target: null }, want: { action: 'run-escript', runs: 'bin/install_upgrade.escript', pkg: null, warn: /install_upgrade\.escript-5\.0\.0 is missing and no package of 5\.0\.0 is in releases\/; using bin\/install_upgrade\.escript of the installed 5\.0\.0/ } },
  { name: 'downgrade from the installed version with the plain escript', s: { command: 'downgrade', target: '5.0.0', relVsn: '5.0.1' }, want: { action: 'run-escript', runs: 'bin/install_upgrade.escript', warn: /using bin\/install_upgrade\.escript/ } },
  { name: 'a package of the installed version wins over the plain escript', s: { command: 'versions', target: null, releases: [PKG0] }, want: { action: 'run-escript', runs: 'bin/install_upgrade.escript-5.0.0', pkg: PKG0, noWarnings: true } },
  { name: 'no plain escript either', s: { command: 'versions', target: null, plainEscript: false }, want: { code: 'NOT_FOUND', exit: 66, says: /no package of version 5\.0\.0/ } },
  { name: 'never for a newer version', s: {}, want: { code: 'NOT_FOUND', exit: 66, says: /no package of version 5\.0\.1/ } },
  { name: 'never when a hand-over is due', s: { selfVersion: '5.0.1', relVsn: '5.0.2', command: 'install', target: '5.0.2', scriptsInBin: [] }, want: { code: 'NOT_FOUND', exit: 66, says: /no package of version 5\.0\.2/ } },
  { name: 'never when listing releases/ failed', s: { command: 'versions', target: null, releases: new RelupError('PERMISSION', 'permission denied on releases') }, want: { code: 'PERMISSION', exit: 77, says: /permission denied/ } },
  // What release_handler will unpack: verified even when the scripts are in bin/.
  { name: 'install unpacks nothing of ours to verify', s: { command: 'install', scriptsInBin: ['5.0.1'], releases: [PKG1] }, want: { action: 'exec-newer', verify: [] } },
  { name: 'unpack without a package left (already unpacked)', s: { command: 'unpack', scriptsInBin: ['5.0.1'], targetStatus: 'unpacked', targetStartBoot: true }, want: { action: 'exec-newer', verify: [] } },
  { name: 'upgrade to an older version: the installed scripts, the target package verified', s: { command: 'upgrade', target: '5.0.0', relVsn: '5.0.1', scriptsInBin: ['5.0.1'], releases: [PKG0], targetStatus: 'old' }, want: { action: 'run-escript', verify: [PKG0] } },
  // EMQX's escript globs <base>-<v>*.tar.gz and stops on two matches.
  {
    name: 'glob: 5.0.1 also matches 5.0.10 when the escript will look',
    s: { scriptsInBin: ['5.0.1'], releases: [PKG1, 'emqx-5.0.10-ubuntu22.04-amd64.tar.gz'] },
    want: { code: 'AMBIGUOUS_PACKAGE', exit: 78, says: /emqx-5\.0\.10-ubuntu22\.04-amd64\.tar\.gz/ },
  },
  { name: 'glob: not checked when release_handler knows the target', s: { command: 'install', scriptsInBin: ['5.0.1'], targetStatus: 'unpacked', targetStartBoot: true, releases: [PKG1, 'emqx-5.0.10-x.tar.gz'] }, want: { action: 'exec-newer' } },
  { name: 'glob: checked when unpacked but start.boot is gone', s: { command: 'install', scriptsInBin: ['5.0.1'], targetStatus: 'unpacked', releases: [PKG1, 'emqx-5.0.10-x.tar.gz'] }, want: { code: 'AMBIGUOUS_PACKAGE', exit: 78, says: /5\.0\.10/ } },
  { name: 'glob: never for uninstall', s: { command: 'uninstall', target: '5.0.1', relVsn: '5.0.2', scriptsInBin: ['5.0.2'], releases: [PKG1, 'emqx-5.0.10-x.tar.gz'] }, want: { action: 'run-escript' } },
  // Upgrade paths (the relups), checked before anything is extracted or run.
  {
    name: 'path: the package upgrades from the running release',
    s: { releases: [PKG1], packageRelups: { [PKG1]: found('5.0.1', ['5.0.0']) } },
    want: { action: 'exec-newer', pkg: PKG1, noWarnings: true },
  },
  {
    name: 'path: the package does not upgrade from the running release',
    s: { target: '5.0.2', relVsn: '5.0.0', releases: ['emqx-5.0.2.tar.gz'], packageRelups: { 'emqx-5.0.2.tar.gz': found('5.0.2', ['5.0.1'], ['5.0.1'], 'releases/5.0.2/relup in emqx-5.0.2.tar.gz') } },
    want: { code: 'NO_UPGRADE_PATH', exit: 78, says: /^no upgrade path from the running 5\.0\.0 to 5\.0\.2: releases\/5\.0\.2\/relup in emqx-5\.0\.2\.tar\.gz upgrades only from 5\.0\.1; nothing was changed; upgrade to a release 5\.0\.2 upgrades from \(5\.0\.1\) first/ },
  },
  { name: 'path: install and unpack are refused alike', s: { command: 'unpack', releases: [PKG1], packageRelups: { [PKG1]: found('5.0.1', []) } }, want: { code: 'NO_UPGRADE_PATH', exit: 78, says: /upgrades only from no version.*go to 5\.0\.1 with a restart/ } },
  { name: 'path: install refused too', s: { command: 'install', releases: [PKG1], packageRelups: { [PKG1]: found('5.0.1', ['4.4.9']) } }, want: { code: 'NO_UPGRADE_PATH', exit: 78, says: /from 4\.4\.9/ } },
  {
    name: 'path: the running release is RELEASES\' current, not REL_VSN',
    s: { target: '5.0.2', relVsn: '5.0.0', running: '5.0.1', releases: ['emqx-5.0.2.tar.gz'], packageRelups: { 'emqx-5.0.2.tar.gz': found('5.0.2', ['5.0.1']) } },
    want: { action: 'exec-newer', noWarnings: true },
  },
  {
    name: 'path: never judged by the wrapper\'s own name (the handed-over emqx-5.0.1)',
    s: { selfVersion: '5.0.1', hops: 1, scriptsInBin: ['5.0.1'], releases: [PKG1], packageRelups: { [PKG1]: found('5.0.1', ['5.0.1-rc.1']) } },
    want: { code: 'NO_UPGRADE_PATH', exit: 78, says: /from the running 5\.0\.0 to 5\.0\.1/ },
  },
  { name: 'path: no relup in the package is a warning, the run goes on', s: { releases: [PKG1], packageRelups: { [PKG1]: absent(`releases/5.0.1/relup in ${abs(PKG1)}`) } }, want: { action: 'exec-newer', pkg: PKG1, warn: /releases\/5\.0\.1\/relup in .* is missing: release_handler will unpack 5\.0\.1 but cannot install it over the running 5\.0\.0/ } },
  { name: 'path: a damaged relup in the package', s: { releases: [PKG1], packageRelups: { [PKG1]: { kind: 'error', error: new RelupError('BAD_PACKAGE', 'releases/5.0.1/relup in x is not a valid relup') } } }, want: { code: 'BAD_PACKAGE', exit: 65, says: /not a valid relup/ } },
  {
    name: 'path: already unpacked, the relup on disk decides and the hint clears it',
    s: { command: 'install', scriptsInBin: ['5.0.1'], targetStatus: 'unpacked', targetStartBoot: true, installedRelups: { '5.0.1': found('5.0.1', ['4.4.9']) } },
    want: { code: 'NO_UPGRADE_PATH', exit: 78, says: /releases\/5\.0\.1\/relup upgrades only from 4\.4\.9.*clear it with 'emqx uninstall 5\.0\.1'/ },
  },
  { name: 'path: the package read is the one named', s: { packageFlag: `/tmp/${PKG1}`, releases: [], probes: { [`/tmp/${PKG1}`]: ok }, command: 'install', packageRelups: { [`/tmp/${PKG1}`]: found('5.0.1', ['4.4.9']) } }, want: { code: 'NO_UPGRADE_PATH', exit: 78, says: /4\.4\.9/ } },
  { name: 'path: no package at all is not a path question', s: { command: 'install', scriptsInBin: ['5.0.1'] }, want: { action: 'exec-newer' } },
  { name: 'path: downgrade along the running release\'s relup', s: { command: 'downgrade', target: '5.0.0', relVsn: '5.0.1', scriptsInBin: ['5.0.1'], installedRelups: { '5.0.1': found('5.0.1', ['5.0.0'], ['5.0.0']) } }, want: { action: 'run-escript', noWarnings: true } },
  {
    name: 'path: downgrade to a version the running relup does not go to',
    s: { command: 'downgrade', target: '5.0.0', relVsn: '5.0.2', scriptsInBin: ['5.0.2'], installedRelups: { '5.0.2': found('5.0.2', ['5.0.0', '5.0.1'], ['5.0.1']) } },
    want: { code: 'NO_UPGRADE_PATH', exit: 78, says: /^no downgrade path from the running 5\.0\.2 to 5\.0\.0: \/opt\/emqx\/releases\/5\.0\.2\/relup downgrades only to 5\.0\.1; nothing was changed; downgrade to 5\.0\.1, or go to 5\.0\.0 with a restart/ },
  },
  { name: 'path: downgrade from a release without a relup', s: { command: 'downgrade', target: '5.0.0', relVsn: '5.0.1', scriptsInBin: ['5.0.1'], installedRelups: { '5.0.1': absent(`${REL}/5.0.1/relup`) } }, want: { code: 'NO_UPGRADE_PATH', exit: 78, says: /relup is missing, so 5\.0\.1 has no hot downgrade/ } },
  { name: 'path: upgrade to an older version goes down too', s: { command: 'upgrade', target: '5.0.0', relVsn: '5.0.1', scriptsInBin: ['5.0.1'], releases: [PKG0], targetStatus: 'old', installedRelups: { '5.0.1': found('5.0.1', ['5.0.0'], []) } }, want: { code: 'NO_UPGRADE_PATH', exit: 78, says: /no downgrade path/ } },
  { name: 'path: an unreadable installed relup', s: { command: 'downgrade', target: '5.0.0', relVsn: '5.0.1', scriptsInBin: ['5.0.1'], installedRelups: { '5.0.1': { kind: 'error', error: new RelupError('PERMISSION', 'permission denied on /opt/emqx/releases/5.0.1/relup') } } }, want: { code: 'PERMISSION', exit: 77, says: /relup/ } },
  { name: 'path: not checked for uninstall', s: { command: 'uninstall', target: '5.0.0', relVsn: '5.0.1', scriptsInBin: ['5.0.1'], installedRelups: { '5.0.1': absent('x') } }, want: { action: 'run-escript' } },
  { name: 'path: not checked for the version already running', s: { command: 'install', target: '5.0.0', scriptsInBin: ['5.0.0'], installedRelups: { '5.0.0': absent('x') } }, want: { action: 'run-escript', noWarnings: true } },
  // Checksums, on the sha256 of the package's one read, before its members are trusted.
  { name: 'sum: a matching sidecar passes silently', s: { releases: [PKG1] }, want: { action: 'exec-newer', pkg: PKG1, noWarnings: true } },
  { name: 'sum: no sidecar is a warning', s: { releases: [PKG1], sidecars: { [PKG1]: { kind: 'absent' } } }, want: { action: 'exec-newer', warn: /^no \/opt\/emqx\/releases\/emqx-5\.0\.1-ubuntu22\.04-amd64\.tar\.gz\.sha256; the package is used without a checksum check$/ } },
  { name: 'sum: the dry run says would', s: { releases: [PKG1], dryRun: true, sidecars: { [PKG1]: { kind: 'absent' } } }, want: { action: 'exec-newer', warn: /the package would be used without a checksum check$/ } },
  { name: 'sum: no sidecar with --require-checksum', s: { releases: [PKG1], requireChecksum: true, sidecars: { [PKG1]: { kind: 'absent' } } }, want: { code: 'NOT_FOUND', exit: 66, says: /\.sha256 is missing and --require-checksum is set/ } },
  { name: 'sum: a sidecar of another file', s: { releases: [PKG1], sidecars: { [PKG1]: sidecarOf(PKG1, 'cd'.repeat(32)) } }, want: { code: 'CHECKSUM_MISMATCH', exit: 65, says: /does not match .*sha256 is (ab){32}, expected (cd){32}/ } },
  { name: 'sum: a sidecar naming another package', s: { releases: [PKG1], sidecars: { [PKG1]: { kind: 'found', text: `${SHA}  emqx-5.0.9.tar.gz\n` } } }, want: { code: 'BAD_PACKAGE', exit: 65, says: /names "emqx-5\.0\.9\.tar\.gz"/ } },
  { name: 'sum: an unreadable sidecar', s: { releases: [PKG1], sidecars: { [PKG1]: { kind: 'error', error: new RelupError('PERMISSION', 'permission denied on x.sha256') } } }, want: { code: 'PERMISSION', exit: 77, says: /sha256/ } },
  {
    name: 'sum: a package whose pass failed has no sha256: its failure is the refusal',
    s: { releases: [PKG1], reads: { [PKG1]: { sha256: null, failure: new RelupError('BAD_PACKAGE', 'package x is truncated') } } },
    want: { code: 'BAD_PACKAGE', exit: 65, says: /truncated/ },
  },
  {
    name: 'sum: checked before the members (a mismatching package\'s scripts are not judged)',
    s: { releases: [PKG1], sidecars: { [PKG1]: sidecarOf(PKG1, 'cd'.repeat(32)) }, reads: { [PKG1]: { scripts: { kind: 'error', error: new RelupError('BAD_PACKAGE', 'member appears twice') } } } },
    want: { code: 'CHECKSUM_MISMATCH', exit: 65, says: /does not match/ },
  },
  { name: 'sum: the unpacked package is verified with the scripts already in bin/', s: { scriptsInBin: ['5.0.1'], releases: [PKG1], sidecars: { [PKG1]: sidecarOf(PKG1, 'cd'.repeat(32)) } }, want: { code: 'CHECKSUM_MISMATCH', exit: 65, says: /does not match/ } },
  { name: 'sum: not for install (release_handler unpacks nothing from us)', s: { command: 'install', scriptsInBin: ['5.0.1'], releases: [PKG1], sidecars: { [PKG1]: sidecarOf(PKG1, 'cd'.repeat(32)) } }, want: { action: 'exec-newer', verify: [] } },
  // The scripts, as read from the package they are extracted from.
  { name: 'scripts: a member problem is refused', s: { releases: [PKG1], reads: { [PKG1]: { scripts: { kind: 'error', error: new RelupError('BAD_PACKAGE', 'package x: member bin/emqx-5.0.1 appears twice') } } } }, want: { code: 'BAD_PACKAGE', exit: 65, says: /appears twice/ } },
  { name: 'scripts: not judged when bin/ has them', s: { scriptsInBin: ['5.0.1'], releases: [PKG1], reads: { [PKG1]: { scripts: null } } }, want: { action: 'exec-newer', pkg: null } },
  // The cookie: EMQX's runner from v5.0.18 dies when EMQX_NODE__COOKIE is not the node's.
  {
    name: 'cookie: the environment\'s differs from the node\'s vm.args: refused, neither cookie named',
    s: { releases: [PKG1], node: { cookieSource: { kind: 'env', variable: 'EMQX_NODE__COOKIE' }, fileCookie: { cookie: 'other', file: `${ROOT}/data/configs/vm.1.args` } } },
    want: { code: 'COOKIE_MISMATCH', exit: 78, says: /^EMQX_NODE__COOKIE in the environment is not the cookie \/opt\/emqx\/data\/configs\/vm\.1\.args gives node emqx@127\.0\.0\.1; nothing was changed; unset EMQX_NODE__COOKIE, or set it to the cookie the node runs with$/ },
  },
  {
    name: 'cookie: refused before the node check (a wrong cookie would look like a node down)',
    s: { releases: [PKG1], ping: { kind: 'down', line: 'Node is not running!' }, node: { cookieSource: { kind: 'env', variable: 'EMQX_NODE_COOKIE' }, fileCookie: { cookie: 'other', file: '/f' } } },
    want: { code: 'COOKIE_MISMATCH', exit: 78, says: /^EMQX_NODE_COOKIE in the environment/ },
  },
  {
    name: 'cookie: the same in both: goes on',
    s: { releases: [PKG1], node: { cookieSource: { kind: 'env', variable: 'EMQX_NODE__COOKIE' }, fileCookie: { cookie: 'secret', file: '/f' } } },
    want: { action: 'exec-newer' },
  },
  // Hot patches: <data_dir>/patches/*.beam shadow the release's modules (vm.args -pa).
  {
    name: 'patches: refused, naming the modules',
    s: { releases: [PKG1], patches: ['emqx_broker', 'emqx_cm'] },
    want: { code: 'HOT_PATCHES', exit: 78, says: /^\/opt\/emqx\/data\/patches holds hot patches \(emqx_broker, emqx_cm\), loaded before the release's own modules; nothing was changed; remove them .*--allow-patches/ },
  },
  {
    name: 'patches: many are named up to eight, and counted',
    s: { releases: [PKG1], patches: Array.from({ length: 11 }, (_, i) => `m${i}`) },
    want: { code: 'HOT_PATCHES', exit: 78, says: /\(m0, m1, m2, m3, m4, m5, m6, m7 and 3 more\)/ },
  },
  {
    name: 'patches: --allow-patches goes on, says so and records the modules',
    s: { releases: [PKG1], patches: ['emqx_cm'], allowPatches: true },
    want: { action: 'exec-newer', patchesAllowed: ['emqx_cm'], warn: /going on with the hot patches in \/opt\/emqx\/data\/patches \(emqx_cm\) as --allow-patches says/ },
  },
  {
    name: 'patches: a downgrade loads code too: refused',
    s: { command: 'downgrade', target: '5.0.0', relVsn: '5.0.1', scriptsInBin: ['5.0.1'], patches: ['emqx_cm'] },
    want: { code: 'HOT_PATCHES', exit: 78, says: /emqx_cm/ },
  },
  {
    name: 'patches: unpack loads nothing: not looked at',
    s: { command: 'unpack', releases: [PKG1], patches: ['emqx_cm'] },
    want: { action: 'exec-newer', noWarnings: true },
  },
  {
    name: 'patches: an unreadable patches dir is refused, not guessed empty',
    s: { releases: [PKG1], patches: new RelupError('PERMISSION', 'permission denied on /opt/emqx/data/patches') },
    want: { code: 'PERMISSION', exit: 77, says: /data\/patches/ },
  },
  // The variables the target's runner expects from the installed emqx_vars (EMQX_LOG_DIR from v5.0.25).
  {
    name: 'vars: the package defines EMQX_LOG_DIR, the installed file does not: its line is added',
    s: { releases: [PKG1], installedVars: OLD_VARS, packageVars: { [PKG1]: newVars(NEW_VARS) } },
    want: { action: 'exec-newer', vars: [LOG_LINE], noWarnings: true },
  },
  {
    name: 'vars: everything defined already: nothing added',
    s: { releases: [PKG1], installedVars: NEW_VARS, packageVars: { [PKG1]: newVars(NEW_VARS) } },
    want: { vars: null, noWarnings: true },
  },
  {
    name: 'vars: the operator exported EMQX_LOG_DIR: not added, said so',
    s: { releases: [PKG1], installedVars: OLD_VARS, env: { EMQX_LOG_DIR: '/var/log/emqx' }, packageVars: { [PKG1]: newVars(NEW_VARS) } },
    want: { vars: null, warn: /the operator exported EMQX_LOG_DIR, so it is left as it is/ },
  },
  {
    name: 'vars: a line that also sets a variable the installed file defines is not copied',
    s: { releases: [PKG1], installedVars: OLD_VARS, packageVars: { [PKG1]: newVars('REL_VSN="5.0.1" EMQX_LOG_DIR=/opt/emqx/log\n') } },
    want: { vars: null, warn: /line 1 of .* defines EMQX_LOG_DIR but is not copied \(it also sets REL_VSN, which stays as it is\)/ },
  },
  {
    name: 'vars: a value over two lines is not copied',
    s: { releases: [PKG1], installedVars: OLD_VARS, packageVars: { [PKG1]: newVars('EMQX_DESCRIPTION="two\nlines"\n') } },
    want: { vars: null, warn: /defines EMQX_DESCRIPTION but is not copied \(it is not a whole assignment on one line\)/ },
  },
  {
    name: 'vars: two missing, in the package\'s order, verbatim',
    s: { releases: [PKG1], installedVars: 'REL_VSN=5.0.0', packageVars: { [PKG1]: newVars('export  B="${A:-x}"  # keep\nREL_VSN=5.0.1\nA=\'1\'\n') } },
    want: { vars: ['export  B="${A:-x}"  # keep', "A='1'"] },
  },
  {
    name: 'vars: a package without releases/emqx_vars: today\'s behaviour, with a warning',
    s: { releases: [PKG1], installedVars: OLD_VARS, packageVars: { [PKG1]: { kind: 'absent', file: `releases/emqx_vars in ${abs(PKG1)}` } } },
    want: { action: 'exec-newer', vars: null, warn: /releases\/emqx_vars in .* is missing: \/opt\/emqx\/releases\/emqx_vars is used as it is/ },
  },
  {
    name: 'vars: a damaged emqx_vars member refuses before anything changes',
    s: { releases: [PKG1], packageVars: { [PKG1]: { kind: 'error', error: new RelupError('BAD_PACKAGE', 'releases/emqx_vars in it is truncated') } } },
    want: { code: 'BAD_PACKAGE', exit: 65, says: /truncated/ },
  },
  {
    name: 'vars: an unterminated quote in the package\'s emqx_vars is a bad package',
    s: { releases: [PKG1], packageVars: { [PKG1]: newVars('A="open\n') } },
    want: { code: 'BAD_PACKAGE', exit: 65, says: /cannot be read as shell assignments/ },
  },
  {
    name: 'vars: a downgrade adds nothing (the older runner ignores what is there)',
    s: { command: 'downgrade', target: '5.0.0', relVsn: '5.0.1', scriptsInBin: ['5.0.1'], installedVars: OLD_VARS, releases: [PKG0], packageVars: { [PKG0]: newVars(NEW_VARS) } },
    want: { vars: null },
  },
  {
    name: 'vars: install from bin/ with no package left: said so',
    s: { command: 'install', scriptsInBin: ['5.0.1'], targetStatus: 'unpacked', targetStartBoot: true, installedVars: OLD_VARS },
    want: { vars: null, warn: /no package of 5\.0\.1 in \/opt\/emqx\/releases to read its releases\/emqx_vars from/ },
  },
];

for (const row of rows) {
  test(`decide: ${row.name}`, () => {
    const f = facts(row.s);
    if ('code' in row.want) {
      const w = row.want;
      assert.throws(
        () => decide(f),
        (e: unknown) => e instanceof RelupError && e.code === w.code && e.exitCode === w.exit && w.says.test(e.line),
      );
      return;
    }
    const d = decide(f);
    const w = row.want;
    if (w.action) assert.equal(d.plan.action, w.action);
    if (w.runs) assert.equal(d.plan.action === 'exec-newer' ? d.plan.exec.file : d.plan.exec.args[0], `${ROOT}/${w.runs}`);
    if (w.pkg !== undefined) {
      assert.equal(d.pkg?.path ?? null, w.pkg === null ? null : abs(w.pkg));
      assert.deepEqual(d.plan.extract, w.pkg === null ? [] : [`bin/emqx-${d.plan.newestVersion}`, `bin/install_upgrade.escript-${d.plan.newestVersion}`]);
    }
    if (w.verify) assert.deepEqual(d.plan.verify, w.verify.map(abs));
    const said = [...d.warnings, ...d.proceedWarnings];
    if (w.warn) assert.ok(said.some((m) => w.warn!.test(m)), said.join('\n'));
    if (w.noWarnings) assert.deepEqual(said, []);
    if (w.patchesAllowed) assert.deepEqual(d.plan.patchesAllowed, w.patchesAllowed);
    if (w.vars !== undefined) assert.deepEqual(d.plan.emqxVars?.lines.map((l) => l.text) ?? null, w.vars);
    assert.equal(d.cookie, 'secret');
    assert.deepEqual(d.scripts?.map((x) => x.dest) ?? null, d.pkg ? [`emqx-${d.plan.newestVersion}`, `install_upgrade.escript-${d.plan.newestVersion}`] : null);
  });
}

test('decide: a package not probed by gather is an internal error, not a crash', () => {
  const f = facts({ releases: [PKG1] });
  f.probes = {};
  assert.throws(() => decide(f), (e: unknown) => e instanceof RelupError && e.code === 'INTERNAL' && /was not looked at/.test(e.message));
});

test('decide: a target package whose relup gather did not read is an internal error', () => {
  const f = facts({ releases: [PKG1] });
  f.reads[abs(PKG1)]!.relup = null;
  assert.throws(() => decide(f), (e: unknown) => e instanceof RelupError && e.code === 'INTERNAL' && /relup of .* was not read/.test(e.message));
});

test('decide: the plan says what each package it uses cost, and hands the facts over to the newer wrapper', () => {
  const d = decide(facts({ releases: [PKG1] }));
  assert.deepEqual(d.plan.reads, [{ package: abs(PKG1), size: 1000, bytesRead: 100, sha256: SHA }]);
  const carried = decodeCarried(d.plan.exec.env[ENV_PACKAGES]);
  assert.deepEqual([...carried.keys()], [abs(PKG1)]);
  assert.equal(carried.get(abs(PKG1))?.sha256, SHA);
  assert.deepEqual(carried.get(abs(PKG1))?.identity, IDENTITY);
});

test('decide: nothing is handed over when the escript runs here', () => {
  const d = decide(facts({ command: 'downgrade', target: '5.0.0', relVsn: '5.0.1', scriptsInBin: ['5.0.1'] }));
  assert.equal(d.plan.action, 'run-escript');
  assert.equal(d.plan.exec.env[ENV_PACKAGES], undefined);
});

// packageNeeds(): what gather reads of each package, so that it reads each once.
const needsBase: NeedsFacts = {
  command: 'upgrade',
  target: parseTarget('5.0.1'),
  selfVersion: null,
  relVsn: '5.0.0',
  runningRelease: null,
  scriptsInBin: [],
  nodeMayAnswer: true,
  packageVersion: '5.0.1',
  sidecar: { kind: 'found', text: '' },
};
const needsRows: { name: string; n: Partial<NeedsFacts>; want: Partial<typeof NOTHING> }[] = [
  { name: 'the target going up: scripts, relup, emqx_vars and sha256', n: {}, want: { scripts: '5.0.1', relup: '5.0.1', vars: true, hash: true } },
  { name: 'no sidecar: no hash', n: { sidecar: { kind: 'absent' } }, want: { scripts: '5.0.1', relup: '5.0.1', vars: true } },
  { name: 'an unreadable sidecar: no hash (refused on the sidecar)', n: { sidecar: { kind: 'error', error: new RelupError('PERMISSION', 'x') } }, want: { scripts: '5.0.1', relup: '5.0.1', vars: true } },
  { name: 'scripts in bin/: relup, emqx_vars and sha256 (release_handler unpacks it)', n: { scriptsInBin: ['5.0.1'] }, want: { relup: '5.0.1', vars: true, hash: true } },
  { name: 'install with scripts in bin/: only the relup and emqx_vars', n: { command: 'install', scriptsInBin: ['5.0.1'] }, want: { relup: '5.0.1', vars: true } },
  { name: 'a node that will be refused: no relup', n: { nodeMayAnswer: false }, want: { scripts: '5.0.1', hash: true } },
  { name: 'the current version\'s package going up: nothing', n: { packageVersion: '5.0.0' }, want: {} },
  { name: 'downgrade: the scripts of the newer current from its package', n: { command: 'downgrade', target: parseTarget('5.0.0'), relVsn: '5.0.1', packageVersion: '5.0.1' }, want: { scripts: '5.0.1', hash: true } },
  { name: 'downgrade: the target\'s package is not read', n: { command: 'downgrade', target: parseTarget('5.0.0'), relVsn: '5.0.1', packageVersion: '5.0.0', scriptsInBin: ['5.0.1'] }, want: {} },
  { name: 'the running release, not REL_VSN, decides going up', n: { runningRelease: '5.0.1', scriptsInBin: ['5.0.1'] }, want: { hash: true } },
  { name: 'uninstall: nothing', n: { command: 'uninstall', target: parseTarget('5.0.0'), relVsn: '5.0.1', packageVersion: '5.0.0', scriptsInBin: ['5.0.1'] }, want: {} },
  { name: 'a name that is no package\'s: nothing', n: { packageVersion: null }, want: {} },
];
for (const row of needsRows) {
  test(`packageNeeds: ${row.name}`, () => {
    assert.deepEqual(packageNeeds({ ...needsBase, ...row.n }), { ...NOTHING, ...row.want });
  });
}

// The runner handed over to is this wrapper: it gets `--` before the escript's arguments, and --json.
const WRAPPER_HEAD = Buffer.from('#!/usr/bin/env node\n// @emqx-relup/wrapper: one-file build\n');
const wrapperScripts = (v: string) => ({ kind: 'found' as const, files: [{ dest: `emqx-${v}`, data: WRAPPER_HEAD }, { dest: `install_upgrade.escript-${v}`, data: Buffer.from('%% x\n') }] });
const handOverRows: { name: string; s: Situation; args: string[] }[] = [
  { name: 'a legacy shell runner gets the arguments as they are', s: { releases: [PKG1] }, args: ['upgrade', '5.0.1'] },
  { name: 'the runner to be extracted is this wrapper: -- and --json', s: { releases: [PKG1], json: true, reads: { [PKG1]: { scripts: wrapperScripts('5.0.1') } } }, args: ['upgrade', '5.0.1', '--json', '--'] },
  { name: 'the runner in bin/ is this wrapper', s: { scriptsInBin: ['5.0.1'], releases: [PKG1], binRunnerIsWrapper: true }, args: ['upgrade', '5.0.1', '--'] },
  { name: 'the bytes to be written decide, not what bin/ held before', s: { releases: [PKG1], binRunnerIsWrapper: true }, args: ['upgrade', '5.0.1'] },
];
for (const row of handOverRows) {
  test(`decide hand-over: ${row.name}`, () => {
    const d = decide(facts(row.s));
    assert.equal(d.plan.action, 'exec-newer');
    assert.deepEqual(d.plan.exec.args, row.args);
  });
}
