// The wrapper's decisions, made once on the facts gather.ts collected: which edition, versions and
// hop, whether the node answers, where the scripts of the version that acts come from (bin/, a
// package, or the installed release's plain escript), which package release_handler will unpack,
// whether EMQX's escript will find exactly one, and whether a relup leads from the running
// release to the target. Pure: facts in, plan (or the first refusal, in
// the settled order) out; every branch is a table test over plain data (test/decide.test.ts).
import { basename, dirname, join, resolve } from 'node:path';
import { RelupError } from './errors.js';
import {
  buildPlan,
  checksumTargets,
  checkEdition,
  checkHops,
  decideVersions,
  escriptLooksForPackage,
  handOverToWrapper,
  unpacksPackage,
  versionedScripts,
  type NodeIdentity,
  type Plan,
  type RelupCommand,
  type VersionDecision,
} from './plan.js';
import { checkNamedPackage, escriptGlobError, escriptGlobMatches, selectPackage, selectionError, type LocatedPackage, type PackageProbe } from './package/locate.js';
import { pingError, type PingVerdict } from './node/ping.js';
import { requireCookie, type ReleaseFacts, type RelupFact } from './release/index.js';
import { checkSidecar, type SidecarFact } from './package/checksum.js';
import { NOTHING, type PackageNeeds, type PackageRead, type ScriptFile } from './package/read.js';
import { ENV_PACKAGES, encodeCarried } from './package/carried.js';
import { hasMarker } from './release/wrapper-marker.js';
import { versionedScriptFiles } from './release/script-names.js';
import { compareVersions, parsePackageName, type Edition, type Target } from './version/index.js';
import type { Env } from './release/fs.js';
import { varsToAdd, type VarsAddition } from './release/vars-additions.js';
import { hotPatchesError, type HotPatches } from './release/data-dir.js';

/** Commands that install (or unpack to install) a target, so its upgrade path is checked. */
export const PATH_COMMANDS: readonly RelupCommand[] = ['install', 'upgrade', 'unpack', 'downgrade'];
/** Commands that load the target's code into the node, which hot patches would shadow. */
export const PATCH_COMMANDS: readonly RelupCommand[] = ['install', 'upgrade', 'downgrade'];

/** The node check as gathered: nodetool's verdict, no nodetool at all, or why it could not run. */
export type PingFact = PingVerdict | { kind: 'no-nodetool' } | { kind: 'error'; error: RelupError };

export interface WrapperFacts {
  command: RelupCommand;
  target: Target | null;
  passArgs: string[];
  packageFlag: string | null;
  cwd: string;
  hops: number;
  /** The version in the wrapper's own name (bin/emqx-<v>), else null. */
  selfVersion: string | null;
  root: string;
  release: ReleaseFacts;
  /** Real directories of a named package path and of releases/ (for unpack/upgrade); null when no path was named. */
  place: { namedDir: string; releasesDir: string } | null;
  /** Entry names of releases/, or the error listing it raised. */
  releases: string[] | { error: RelupError };
  /** Versions whose bin/emqx-<v> and bin/install_upgrade.escript-<v> are both non-empty files. */
  scriptsInBin: string[];
  /** bin/install_upgrade.escript of the installed release is a non-empty file. */
  plainEscript: boolean;
  /** Every package the decision may take: named ones and those of the current and target versions. */
  probes: Record<string, PackageProbe>;
  /** The target's status in releases/RELEASES (null when unknown or unreadable). */
  targetStatus: string | null;
  /** The release the node runs per RELEASES (current, else permanent); null when unknown. */
  runningRelease: string | null;
  /** For PATH_COMMANDS: releases/<v>/relup of the running and target versions on disk. */
  installedRelups: Record<string, RelupFact>;
  /** The `<package>.sha256` of every package that opened, by package path. */
  sidecars: Record<string, SidecarFact>;
  /** What was read of each package the decision may need (packageNeeds), by path: one pass each. */
  reads: Record<string, PackageRead>;
  requireChecksum: boolean;
  dryRun: boolean;
  /** --json, which a newer wrapper handed over to keeps. */
  json: boolean;
  /** The newest version's runner in bin/ is this wrapper (its marker); false when it is not there. */
  binRunnerIsWrapper: boolean;
  /** The operator's environment: a variable exported there is never added to emqx_vars. */
  env: Env;
  /** For PATCH_COMMANDS: the .beam files in <data_dir>/patches, or why they could not be listed; else null. */
  patches: HotPatches | { error: RelupError } | null;
  /** --allow-patches. */
  allowPatches: boolean;
  /** releases/<target>/start.boot is there. */
  targetStartBoot: boolean;
  ping: PingFact;
}

export interface Decision {
  plan: Plan;
  cookie: string;
  /** The package the scripts are extracted from; null when they are in bin/ already. */
  pkg: LocatedPackage | null;
  /** The scripts to write into bin/, as read and checked; null when they are in bin/ already. */
  scripts: ScriptFile[] | null;
  /** The packages the plan uses, as they were read (execute checks they are still those files). */
  reads: PackageRead[];
  warnings: string[];
  /** Warnings worth saying only once the run goes ahead (past the lock): a refusal stays one line. */
  proceedWarnings: string[];
}

/** The version release_handler upgrades from: the running release per RELEASES, else REL_VSN (never the wrapper's own name). */
export const fromVersion = (runningRelease: string | null, relVsn: string): string => runningRelease ?? relVsn;

export interface NeedsFacts {
  command: RelupCommand;
  target: Target | null;
  selfVersion: string | null;
  relVsn: string;
  runningRelease: string | null;
  scriptsInBin: string[];
  /** The ping did not already doom the run (decide refuses a down node before any path check). */
  nodeMayAnswer: boolean;
  /** The version in the package's name; null for a name that is not a package's. */
  packageVersion: string | null;
  sidecar: SidecarFact;
}

/**
 * What the decision will need of one package, so that gather reads it once: the scripts when it
 * is the newest version's and bin/ lacks them; the relup when it is the target's, going up; the
 * sha256 when a sidecar is there to check and the plan will use it (extracted from, or handed to
 * release_handler).
 */
export function packageNeeds(n: NeedsFacts): PackageNeeds {
  const v = n.packageVersion;
  if (v === null) return NOTHING;
  const d = decideVersions(n.selfVersion, n.relVsn, n.target?.version ?? null);
  const scripts = v === d.newest && !n.scriptsInBin.includes(d.newest) ? d.newest : null;
  const target = n.target?.version ?? null;
  const goingUp = target !== null && PATH_COMMANDS.includes(n.command) && n.command !== 'downgrade' && compareVersions(target, fromVersion(n.runningRelease, n.relVsn)) > 0;
  const relup = goingUp && n.nodeMayAnswer && v === target ? target : null;
  const used = scripts !== null || (unpacksPackage(n.command) && v === target);
  // emqx_vars for the same reason and at the same time as the relup: the newer runner sources the installed one (decideVars).
  return { scripts, relup, vars: relup !== null, hash: used && n.sidecar.kind === 'found' };
}

/** A package named by the operator: --package, or a target that is a package name or path. */
export function namedPackage(packageFlag: string | null, target: Target | null): string | null {
  return packageFlag ?? target?.packagePath ?? (target?.package ? target.raw : null);
}

/** Where a named package is: a bare file name in releases/, a path as given (from the cwd). */
export function namedPackagePath(root: string, cwd: string, arg: string): string {
  return arg.includes('/') ? resolve(cwd, arg) : resolve(root, 'releases', arg);
}

function located(f: WrapperFacts, file: string, name: LocatedPackage['name']): LocatedPackage {
  const probe = f.probes[file];
  if (!probe) throw new RelupError('INTERNAL', `${file} was not looked at before the decision`, { hint: 'report this bug' });
  if ('error' in probe) throw probe.error;
  return { path: file, name, size: probe.size };
}

/** The operator's package, checked by name, then as opened. */
function explicit(f: WrapperFacts, arg: string, want: { edition: Edition; version: string | null }): LocatedPackage {
  const name = checkNamedPackage(arg, want);
  return located(f, namedPackagePath(f.root, f.cwd, arg), name);
}

function listing(f: WrapperFacts): string[] {
  if (!Array.isArray(f.releases)) throw f.releases.error;
  return f.releases;
}

/** The only package of `version` in releases/; null for none when `optional`, several are refused. */
function fromReleases(f: WrapperFacts, version: string, optional: boolean): LocatedPackage | null {
  const dir = join(f.root, 'releases');
  const sel = selectPackage(listing(f), version, f.release.vars.edition);
  if (sel.kind === 'found') return located(f, join(dir, sel.pkg.file), sel.pkg);
  if (optional && sel.kind !== 'ambiguous') return null;
  throw selectionError(sel, version, dir);
}

/**
 * unpack and upgrade hand the package to release_handler, which takes it from releases/ only:
 * a package elsewhere would have its scripts extracted and then fail half-way, so refuse it first.
 */
function checkPackagePlace(f: WrapperFacts): void {
  const named = namedPackage(f.packageFlag, f.target);
  if (f.place === null || named === null || !unpacksPackage(f.command)) return;
  if (f.place.namedDir !== f.place.releasesDir) {
    const releases = join(f.root, 'releases');
    throw new RelupError('USAGE', `${named} is outside ${releases}, where '${f.command}' needs the package`, {
      hint: `copy it (and its .sha256) there first: cp ${named} ${releases}/, then run 'emqx ${f.command} ${basename(named)}'`,
    });
  }
}

/**
 * Edition checks that need only names: the target's, a named package's, and the packages of the
 * target version in releases/ when all of them are of the other edition.
 */
function checkEditions(f: WrapperFacts): void {
  const edition = f.release.vars.edition;
  const target = f.target;
  if (target) checkEdition(edition, target.edition, `target ${target.raw}`);
  if (f.packageFlag !== null) {
    const name = parsePackageName(basename(f.packageFlag));
    if (!name) {
      throw new RelupError('BAD_TARGET', `--package ${JSON.stringify(f.packageFlag)} is not a package name of the form emqx[-enterprise]-<version>[-<platform>].tar.gz`, {
        hint: 'name the release package file as shipped',
      });
    }
    checkEdition(edition, name.edition, `package ${name.file}`);
  }
  if (target && f.packageFlag === null && !target.package && Array.isArray(f.releases)) {
    const sel = selectPackage(f.releases, target.version, edition);
    if (sel.kind === 'other-edition') throw selectionError(sel, target.version, join(f.root, 'releases'));
  }
}

/**
 * From v5.0.18 EMQX's runner dies after our hand-over when EMQX_NODE__COOKIE differs from the
 * cookie the node runs with; refused here first, naming both sources and neither cookie.
 */
export function checkCookie(f: WrapperFacts): void {
  const n = f.release.node;
  if (n.cookieSource.kind !== 'env' || !n.fileCookie || n.fileCookie.cookie === n.cookie) return;
  const variable = n.cookieSource.variable;
  throw new RelupError('COOKIE_MISMATCH', `${variable} in the environment is not the cookie ${n.fileCookie.file} gives node ${n.name}; nothing was changed`, {
    hint: `unset ${variable}, or set it to the cookie the node runs with`,
    details: { variable, file: n.fileCookie.file, node: n.name },
  });
}

function checkNode(f: WrapperFacts, node: NodeIdentity, warnings: string[]): void {
  const p = f.ping;
  if (p.kind === 'no-nodetool') warnings.push(`${join(f.root, 'bin/nodetool')} not found; cannot check that node ${node.name} is running`);
  else if (p.kind === 'error') throw p.error;
  else if (p.kind !== 'alive') throw pingError(node, p);
}

/**
 * Where the scripts of the version that acts come from: bin/ when both are there, else its
 * package. For the current version only, the plain bin/install_upgrade.escript of the installed
 * release is a last resort (release_handler deletes a package once it has unpacked it).
 */
export function scriptSource(f: WrapperFacts, d: VersionDecision, warnings: string[]): { escriptFile: string; pkg: LocatedPackage | null } {
  const newest = d.newest;
  const versioned = versionedScripts(newest);
  const edition = f.release.vars.edition;
  const present = f.scriptsInBin.includes(newest);
  if (f.packageFlag) {
    // Named explicitly: it must exist, be readable and hold the newest version, even when unused.
    const pkg = explicit(f, f.packageFlag, { edition, version: newest });
    if (!present) return { escriptFile: versioned.escript, pkg };
    warnings.push(`${versioned.runner} and ${versioned.escript} are already in bin/; the scripts are not read from --package ${pkg.name.file}`);
    return { escriptFile: versioned.escript, pkg: null };
  }
  if (present) return { escriptFile: versioned.escript, pkg: null };
  const named = namedPackage(null, f.target);
  if (named !== null) {
    const pkg = explicit(f, named, { edition, version: null });
    if (pkg.name.version === newest) return { escriptFile: versioned.escript, pkg };
  }
  try {
    return { escriptFile: versioned.escript, pkg: fromReleases(f, newest, false) };
  } catch (e) {
    const plain = 'bin/install_upgrade.escript';
    if (e instanceof RelupError && e.code === 'NOT_FOUND' && !d.handOver && newest === f.release.vars.relVsn && f.plainEscript) {
      warnings.push(`${versioned.escript} is missing and no package of ${newest} is in releases/; using ${plain} of the installed ${newest}`);
      return { escriptFile: plain, pkg: null };
    }
    throw e;
  }
}

/**
 * The target's package that the escript will hand to release_handler (unpack, upgrade): the one
 * the operator named, else the only one of the target version in releases/. Null when the command
 * unpacks nothing or no package is there (release_handler deletes it once unpacked).
 */
export function unpackSource(f: WrapperFacts, extractPkg: LocatedPackage | null): LocatedPackage | null {
  return unpacksPackage(f.command) ? targetPackage(f, extractPkg) : null;
}

/** The target's package as release_handler would get it, whichever command; null when none is there. */
function targetPackage(f: WrapperFacts, extractPkg: LocatedPackage | null): LocatedPackage | null {
  const target = f.target;
  if (target === null) return null;
  const version = target.version;
  if (extractPkg?.name.version === version) return extractPkg;
  const named = namedPackage(f.packageFlag, target);
  if (named !== null && parsePackageName(basename(named))?.version === version) return explicit(f, named, { edition: f.release.vars.edition, version });
  // Several are refused (AMBIGUOUS_PACKAGE): we cannot tell which one release_handler gets.
  return fromReleases(f, version, true);
}

/**
 * EMQX's escript finds the package by its own glob, not by our exact match: when it will look and
 * more than one file answers, it would stop with 47 after our hand-over, so refuse first.
 */
export function checkEscriptGlob(f: WrapperFacts): void {
  const target = f.target;
  if (target === null || !escriptLooksForPackage(f.command, f.targetStatus, f.targetStartBoot) || !Array.isArray(f.releases)) return;
  const edition = f.release.vars.edition;
  const matches = escriptGlobMatches(f.releases, target.version, edition);
  if (matches.length <= 1) return;
  const sel = selectPackage(f.releases, target.version, edition);
  throw escriptGlobError(matches, target.version, edition, join(f.root, 'releases'), sel.kind === 'found' ? sel.pkg.file : null);
}

export function runningVersion(f: WrapperFacts): string {
  return fromVersion(f.runningRelease, f.release.vars.relVsn);
}

const listOr = (vs: readonly string[], none: string): string => (vs.length === 0 ? none : vs.join(', '));

function installedRelup(f: WrapperFacts, version: string): RelupFact {
  const fact = f.installedRelups[version];
  if (!fact) throw new RelupError('INTERNAL', `the relup of ${version} was not looked at before the decision`, { hint: 'report this bug' });
  return fact;
}

function noPath(from: string, to: string, what: string, hint: string, fact: RelupFact): RelupError {
  const relup = fact.kind === 'found' ? fact.relup : null;
  return new RelupError('NO_UPGRADE_PATH', `${what}; nothing was changed`, {
    hint,
    details: { from, to, relup: fact.kind === 'error' ? null : fact.file, upFrom: relup?.upFrom ?? [], downTo: relup?.downTo ?? [] },
  });
}

/**
 * release_handler installs <to> over the running <from> only along a relup: going up, <to>'s own
 * (from the package the escript will unpack, else releases/<to>/relup already unpacked) must list
 * <from> as an UpFrom; going down, the running release's releases/<from>/relup must list <to> as a
 * DownTo. Otherwise it finds out after unpacking, and the release is left stuck `unpacked`: refused
 * here instead. A package without a relup is only warned about: it unpacks, it will not install.
 */
export function checkUpgradePath(f: WrapperFacts, extractPkg: LocatedPackage | null, warnings: string[]): void {
  const target = f.target;
  if (target === null || !PATH_COMMANDS.includes(f.command)) return;
  const to = target.version;
  const from = runningVersion(f);
  const cmp = compareVersions(to, from);
  if (cmp === 0) return;
  if (cmp < 0) {
    const fact = installedRelup(f, from);
    if (fact.kind === 'error') throw fact.error;
    if (fact.kind === 'found' && fact.relup.downTo.includes(to)) return;
    const why = fact.kind === 'found' ? `${fact.file} downgrades only to ${listOr(fact.relup.downTo, 'no version')}` : `${fact.file} is missing, so ${from} has no hot downgrade`;
    const hint = fact.kind === 'found' && fact.relup.downTo.length > 0 ? `downgrade to ${fact.relup.downTo.join(' or ')}, or go to ${to} with a restart` : `go to ${to} with a restart`;
    throw noPath(from, to, `no downgrade path from the running ${from} to ${to}: ${why}`, hint, fact);
  }
  // `downgrade` to a newer version is the escript's to refuse (it names the right command).
  if (f.command === 'downgrade') return;
  let fact: RelupFact;
  if (escriptLooksForPackage(f.command, f.targetStatus, f.targetStartBoot)) {
    const pkg = targetPackage(f, extractPkg);
    if (pkg === null) return; // no package: the escript stops on that before anything is unpacked
    const read = f.reads[pkg.path]?.relup;
    if (!read) throw new RelupError('INTERNAL', `the relup of ${pkg.path} was not read before the decision`, { hint: 'report this bug' });
    fact = read;
  } else fact = installedRelup(f, to);
  if (fact.kind === 'error') throw fact.error;
  if (fact.kind === 'absent') {
    warnings.push(`${fact.file} is missing: release_handler will unpack ${to} but cannot install it over the running ${from}`);
    return;
  }
  if (fact.relup.upFrom.includes(from)) return;
  const stuck = f.targetStatus === 'unpacked' ? `; ${to} is left unpacked from an earlier attempt: clear it with 'emqx uninstall ${to}'` : '';
  const via = fact.relup.upFrom.length > 0 ? `upgrade to a release ${to} upgrades from (${fact.relup.upFrom.join(', ')}) first, or go to ${to} with a restart` : `go to ${to} with a restart`;
  throw noPath(from, to, `no upgrade path from the running ${from} to ${to}: ${fact.file} upgrades only from ${listOr(fact.relup.upFrom, 'no version')}`, `${via}${stuck}`, fact);
}

/**
 * A .beam in <data_dir>/patches is loaded before the release's module of that name (vm.args -pa):
 * a hot upgrade would load code the patch then shadows, so it is refused unless --allow-patches
 * (as EMQX's own emqx_relup plugin does). Returns the modules gone on with.
 */
export function checkPatches(f: WrapperFacts, warnings: string[]): string[] {
  const p = f.patches;
  if (p === null) return [];
  if ('error' in p) throw p.error;
  if (p.warning) warnings.push(p.warning);
  if (p.modules.length === 0) return [];
  if (!f.allowPatches) throw hotPatchesError(p.dir, p.modules, 'remove them (or move them away) first, or pass --allow-patches to go on with them');
  warnings.push(`going on with the hot patches in ${p.dir} (${p.modules.join(', ')}) as --allow-patches says; they still shadow the release's modules`);
  return p.modules;
}

/** Commands that run the target's scripts going up, so those scripts source the installed emqx_vars. */
const VARS_COMMANDS: readonly RelupCommand[] = ['install', 'unpack', 'upgrade'];

/**
 * Going up, the target's runner sources the installed emqx_vars: the lines of the package's own
 * emqx_vars for what the installed one lacks (release/vars-additions.ts). No package, or one
 * without emqx_vars, changes nothing and says so.
 */
export function decideVars(f: WrapperFacts, extractPkg: LocatedPackage | null, warnings: string[]): VarsAddition | null {
  const target = f.target;
  if (target === null || !VARS_COMMANDS.includes(f.command) || compareVersions(target.version, runningVersion(f)) <= 0) return null;
  const installed = f.release.vars.file;
  let pkg: LocatedPackage | null;
  try {
    pkg = targetPackage(f, extractPkg);
  } catch (e) {
    // Only when the escript will not look for it (else refused before): which one is unknown.
    if (!(e instanceof RelupError)) throw e;
    pkg = null;
  }
  if (pkg === null) {
    warnings.push(`no package of ${target.version} in ${join(f.root, 'releases')} to read its releases/emqx_vars from: ${installed} is used as it is`);
    return null;
  }
  const fact = f.reads[pkg.path]?.vars;
  if (!fact) throw new RelupError('INTERNAL', `releases/emqx_vars of ${pkg.path} was not read before the decision`, { hint: 'report this bug' });
  if (fact.kind === 'error') throw fact.error;
  if (fact.kind === 'absent') {
    warnings.push(`${fact.file} is missing: ${installed} is used as it is, and a ${target.version} runner that expects a variable it lacks will stop`);
    return null;
  }
  const d = varsToAdd({ file: installed, table: f.release.vars.table }, fact, f.env, target.version);
  for (const s of d.skipped) warnings.push(s.why);
  return d.addition;
}

/** Every decision, in the settled order: place, edition, versions and hop, cookie, node, scripts, package to unpack, glob, upgrade path, hot patches, emqx_vars lines. */
export function decide(f: WrapperFacts): Decision {
  const warnings: string[] = [];
  checkPackagePlace(f);
  checkEditions(f);
  const d = decideVersions(f.selfVersion, f.release.vars.relVsn, f.target?.version ?? null);
  checkHops(d, f.hops);
  const n = f.release.node;
  const node: NodeIdentity = { name: n.name, nameType: n.nameType, cookie: requireCookie(n) };
  checkCookie(f);
  checkNode(f, node, warnings);
  const { escriptFile, pkg } = scriptSource(f, d, warnings);
  const unpackPkg = unpackSource(f, pkg);
  checkEscriptGlob(f);
  const verify = checksumTargets(pkg?.path ?? null, unpackPkg?.path ?? null);
  const proceedWarnings: string[] = [];
  for (const p of verify) checkChecksum(f, p, proceedWarnings);
  const scripts = pkg ? scriptsOf(f, pkg) : null;
  checkUpgradePath(f, pkg, warnings);
  const patchesAllowed = checkPatches(f, warnings);
  const emqxVars = decideVars(f, pkg, warnings);
  const built = buildPlan({
    command: f.command,
    target: f.target,
    passArgs: f.passArgs,
    root: f.root,
    relName: f.release.vars.relName,
    edition: f.release.vars.edition,
    relVsn: f.release.vars.relVsn,
    decision: d,
    hops: f.hops,
    escriptFile,
    package: pkg?.path ?? null,
    unpackPackage: unpackPkg?.path ?? null,
    escriptBin: f.release.escript,
    node,
    hasEkka: f.release.hasEkka,
  });
  const reads = [...new Set([...verify, ...(pkg ? [pkg.path] : [])])].flatMap((p) => (f.reads[p] ? [f.reads[p]] : []));
  const plan = withReads({ ...built, emqxVars, patchesAllowed }, reads);
  return { plan: runnerIsWrapper(f, scripts, d.newest) ? handOverToWrapper(plan, f.json) : plan, cookie: node.cookie, pkg, scripts, reads, warnings, proceedWarnings };
}

/** The runner handed over to is this wrapper: from the head of the bytes to be written, else of the one in bin/. */
function runnerIsWrapper(f: WrapperFacts, scripts: ScriptFile[] | null, newest: string): boolean {
  if (!scripts) return f.binRunnerIsWrapper;
  const runner = scripts.find((s) => s.dest === versionedScriptFiles(newest)[0]);
  return runner !== undefined && hasMarker(runner.data);
}

/** A package the plan verifies against its sidecar, by the sha256 of its one read. */
function checkChecksum(f: WrapperFacts, path: string, warnings: string[]): void {
  const read = f.reads[path];
  const sidecar = f.sidecars[path] ?? { kind: 'absent' };
  const result = checkSidecar(
    path,
    sidecar,
    () => {
      if (read?.sha256) return read.sha256;
      throw read?.failure ?? new RelupError('INTERNAL', `${path} was not hashed before the decision`, { hint: 'report this bug' });
    },
    f.requireChecksum,
  );
  if (result.status === 'absent') warnings.push(`no ${result.sidecar}; the package ${f.dryRun ? 'would be' : 'is'} used without a checksum check`);
}

/** The two scripts of the package they are extracted from, as read; its member problems are refused here. */
function scriptsOf(f: WrapperFacts, pkg: LocatedPackage): ScriptFile[] {
  const fact = f.reads[pkg.path]?.scripts;
  if (!fact) throw new RelupError('INTERNAL', `the scripts of ${pkg.path} were not read before the decision`, { hint: 'report this bug' });
  if (fact.kind === 'error') throw fact.error;
  return fact.files;
}

/** What the plan read (for --json and the run log), and, handing over, the facts the newer wrapper may take as read. */
function withReads(plan: Plan, reads: PackageRead[]): Plan {
  const summary = reads.map((r) => ({ package: r.path, size: r.identity?.size ?? null, bytesRead: r.bytesRead, sha256: r.sha256 }));
  if (plan.action !== 'exec-newer' || reads.length === 0) return { ...plan, reads: summary };
  return { ...plan, reads: summary, exec: { ...plan.exec, env: { ...plan.exec.env, [ENV_PACKAGES]: encodeCarried(reads) } } };
}

/** The directory of a named package path, for the place rule (gather resolves its real path). */
export function namedPackageDir(cwd: string, named: string): string {
  return dirname(resolve(cwd, named));
}
