// The effects of a hot-upgrade command, in the settled order: target syntax -> root and
// emqx_vars -> edition -> node alive -> lock -> package, checksum, extraction -> hand-over.
// Every decision is delegated to plan.ts; this module only gathers facts and acts on them.
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RelupError, fromFsError } from './errors.js';
import {
  buildPlan,
  checkEdition,
  checkHops,
  dirsWritten,
  decideVersions,
  escriptLooksForPackage,
  handOverToWrapper,
  ENV_HOPS,
  ENV_LOCK,
  MAX_HOPS,
  unpacksPackage,
  versionedScripts,
  type NodeIdentity,
  type Plan,
  type RelupCommand,
  type VersionDecision,
} from './plan.js';
import { parsePackageName, parseTarget, type Target } from './version/index.js';
import {
  chooseRoot,
  findRoot,
  readReleaseFacts,
  readReleasesFile,
  requireCookie,
  selfPath,
  versionFromScriptName,
  withRunnerEnv,
  type ReleaseFacts,
} from './release/index.js';
import {
  escriptGlobError,
  escriptGlobMatches,
  explicitPackage,
  findPackage,
  locatePackage,
  selectPackage,
  selectionError,
  type LocatedPackage,
} from './package/locate.js';
import { acquireLock, checkLockFree, type Lock } from './apply/lock.js';
import { nodeEnv, pingError, pingNode } from './apply/ping.js';
import { runInherited, signalExit } from './apply/handover.js';
import { hasMarker, headHasMarker } from './apply/marker.js';
import { becomeRunnerUser } from './apply/run-as.js';
import { runnerUserOf } from './release/runner-user.js';

export interface RelupRequest {
  command: RelupCommand;
  target: string | null;
  passArgs: string[];
  rootFlag: string | null;
  packageFlag: string | null;
  requireChecksum: boolean;
  /** --json: kept when handing over to a newer wrapper. */
  json: boolean;
  /** argv[1]: the path this wrapper was invoked by (its name may carry its version). */
  invoked: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  warn(message: string): void;
}

export interface Prepared {
  plan: Plan;
  cookie: string;
  /** The package to extract the newest scripts from; null when they are in bin/ already. */
  pkg: LocatedPackage | null;
  root: string;
}

/** Hop count from the environment; a malformed marker counts as a hop already made. */
export function hopsFrom(env: NodeJS.ProcessEnv): number {
  const raw = env[ENV_HOPS];
  if (raw === undefined || raw === '') return 0;
  return /^\d{1,3}$/.test(raw) ? Number(raw) : MAX_HOPS;
}

async function nonEmptyFile(path: string): Promise<boolean> {
  try {
    const st = await fsp.stat(path);
    return st.isFile() && st.size > 0;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw fromFsError(e, path, 'looking for the versioned scripts');
  }
}

export async function scriptsPresent(root: string, version: string): Promise<boolean> {
  const s = versionedScripts(version);
  return (await nonEmptyFile(join(root, s.runner))) && (await nonEmptyFile(join(root, s.escript)));
}

/** A package named by the operator: --package, or a target that is a package name or path. */
function namedPackage(req: RelupRequest, target: Target | null): string | null {
  return req.packageFlag ?? target?.packagePath ?? (target?.package ? target.raw : null);
}

/**
 * Edition checks that need only names: the target's, a named package's, and the packages of the
 * target version in releases/ when all of them are of the other edition.
 */
async function checkEditions(req: RelupRequest, facts: ReleaseFacts, target: Target | null): Promise<void> {
  const edition = facts.vars.edition;
  if (target) checkEdition(edition, target.edition, `target ${target.raw}`);
  const named = req.packageFlag;
  if (named !== null) {
    const name = parsePackageName(basename(named));
    if (!name) {
      throw new RelupError('BAD_TARGET', `--package ${JSON.stringify(named)} is not a package name of the form emqx[-enterprise]-<version>[-<platform>].tar.gz`, {
        hint: 'name the release package file as shipped',
      });
    }
    checkEdition(edition, name.edition, `package ${name.file}`);
  }
  if (target && named === null && !target.package) {
    const dir = join(facts.root, 'releases');
    const names = await fsp.readdir(dir).catch(() => [] as string[]);
    const sel = selectPackage(names, target.version, edition);
    if (sel.kind === 'other-edition') throw selectionError(sel, target.version, dir);
  }
}

/**
 * unpack and upgrade hand the package to release_handler, which takes it from releases/ only:
 * a package elsewhere would have its scripts extracted and then fail half-way, so refuse it first.
 */
async function checkPackagePlace(req: RelupRequest, root: string, target: Target | null): Promise<void> {
  const named = namedPackage(req, target);
  if (named === null || !named.includes('/') || (req.command !== 'unpack' && req.command !== 'upgrade')) return;
  const releases = join(root, 'releases');
  const dir = await fsp.realpath(dirname(resolve(req.cwd, named))).catch(() => dirname(resolve(req.cwd, named)));
  const realReleases = await fsp.realpath(releases).catch(() => releases);
  if (dir !== realReleases) {
    throw new RelupError('USAGE', `${named} is outside ${releases}, where '${req.command}' needs the package`, {
      hint: `copy it (and its .sha256) there first: cp ${named} ${releases}/, then run 'emqx ${req.command} ${basename(named)}'`,
    });
  }
}

/**
 * Where the scripts of the version that acts come from: bin/ when both are there, else its
 * package. For the current version only, the plain bin/install_upgrade.escript of the installed
 * release is a last resort (release_handler deletes a package once it has unpacked it).
 */
async function scriptSource(
  req: RelupRequest,
  facts: ReleaseFacts,
  decision: VersionDecision,
  target: Target | null,
): Promise<{ escriptFile: string; pkg: LocatedPackage | null }> {
  const root = facts.root;
  const newest = decision.newest;
  const versioned = versionedScripts(newest);
  const edition = facts.vars.edition;
  const present = await scriptsPresent(root, newest);
  if (req.packageFlag) {
    // Named explicitly: it must exist, be readable and hold the newest version, even when unused.
    const pkg = await explicitPackage(root, req.packageFlag, { edition, version: newest });
    if (!present) return { escriptFile: versioned.escript, pkg };
    req.warn(`bin/emqx-${newest} and bin/install_upgrade.escript-${newest} are already in bin/; the scripts are not read from --package ${pkg.name.file}`);
    return { escriptFile: versioned.escript, pkg: null };
  }
  if (present) return { escriptFile: versioned.escript, pkg: null };
  const named = namedPackage(req, target);
  if (named !== null) {
    const pkg = await explicitPackage(root, named, { edition, version: null });
    if (pkg.name.version === newest) return { escriptFile: versioned.escript, pkg };
  }
  try {
    return { escriptFile: versioned.escript, pkg: await locatePackage(root, newest, { edition }) };
  } catch (e) {
    const plain = 'bin/install_upgrade.escript';
    if (
      e instanceof RelupError &&
      e.code === 'NOT_FOUND' &&
      !decision.handOver &&
      newest === facts.vars.relVsn &&
      (await nonEmptyFile(join(root, plain)))
    ) {
      req.warn(`bin/install_upgrade.escript-${newest} is missing and no package of ${newest} is in releases/; using ${plain} of the installed ${newest}`);
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
async function unpackSource(req: RelupRequest, facts: ReleaseFacts, target: Target | null, extractPkg: LocatedPackage | null): Promise<LocatedPackage | null> {
  if (target === null || !unpacksPackage(req.command)) return null;
  const version = target.version;
  if (extractPkg?.name.version === version) return extractPkg;
  const edition = facts.vars.edition;
  const named = namedPackage(req, target);
  if (named !== null && parsePackageName(basename(named))?.version === version) return explicitPackage(facts.root, named, { edition, version });
  // Several are refused (AMBIGUOUS_PACKAGE): we cannot tell which one release_handler gets.
  return findPackage(facts.root, version, { edition });
}

/**
 * EMQX's escript finds the package by its own glob, not by our exact match: when it will look and
 * more than one file answers, it would stop with 47 after our hand-over, so refuse first.
 */
async function checkEscriptGlob(req: RelupRequest, facts: ReleaseFacts, target: Target | null): Promise<void> {
  if (target === null) return;
  const root = facts.root;
  let status: string | null = null;
  try {
    status = readReleasesFile(root).find((r) => r.version === target.version)?.status ?? null;
  } catch {
    // No readable RELEASES: the escript would look for the package, so we check as it would.
  }
  const hasStartBoot = await nonEmptyFile(join(root, 'releases', target.version, 'start.boot'));
  if (!escriptLooksForPackage(req.command, status, hasStartBoot)) return;
  const dir = join(root, 'releases');
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const matches = escriptGlobMatches(names, target.version, facts.vars.edition);
  if (matches.length <= 1) return;
  const sel = selectPackage(names, target.version, facts.vars.edition);
  throw escriptGlobError(matches, target.version, facts.vars.edition, dir, sel.kind === 'found' ? sel.pkg.file : null);
}

export async function prepare(req: RelupRequest): Promise<Prepared> {
  const target = req.target === null ? null : parseTarget(req.target);
  const self = selfPath(req.invoked, req.cwd);
  const { root } = findRoot(chooseRoot({ flag: req.rootFlag, env: req.env, self, cwd: req.cwd }));
  await checkPackagePlace(req, root, target);
  const facts = readReleaseFacts(root, req.env);
  for (const w of facts.warnings) req.warn(w);
  // Before anything is pinged, locked or written, as the runner would `su` before its own work.
  const switched = becomeRunnerUser(runnerUserOf(facts.vars.table), req.command, req.env);
  if (switched !== null) req.warn(`running as ${switched} (RUNNER_USER in releases/emqx_vars), the installation's owner`);

  await checkEditions(req, facts, target);
  const hops = hopsFrom(req.env);
  const decision = decideVersions(versionFromScriptName(self.invoked), facts.vars.relVsn, target?.version ?? null);
  checkHops(decision, hops);

  const node: NodeIdentity = { name: facts.node.name, nameType: facts.node.nameType, cookie: requireCookie(facts.node) };
  if (facts.nodetool === null) {
    req.warn(`${join(root, 'bin/nodetool')} not found; cannot check that node ${node.name} is running`);
  } else {
    const verdict = await pingNode(facts.escript, facts.nodetool, node, root, nodeEnv(facts, req.env));
    if (verdict.kind !== 'alive') throw pingError(node, verdict);
  }

  const { escriptFile, pkg } = await scriptSource(req, facts, decision, target);
  const unpackPkg = await unpackSource(req, facts, target, pkg);
  await checkEscriptGlob(req, facts, target);

  const plan = buildPlan({
    command: req.command,
    target,
    passArgs: req.passArgs,
    root,
    relName: facts.vars.relName,
    edition: facts.vars.edition,
    relVsn: facts.vars.relVsn,
    decision,
    hops,
    escriptFile,
    package: pkg?.path ?? null,
    unpackPackage: unpackPkg?.path ?? null,
    escriptBin: facts.escript,
    node,
    hasEkka: facts.hasEkka,
    lockToken: null,
  });
  return { plan, cookie: node.cookie, pkg, root };
}

/** Aborts the extraction on the operator's signals, so the temporaries go and the lock is freed. */
function abortOnSignals(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  let got: NodeJS.Signals | null = null;
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const on = (s: NodeJS.Signals) => {
    // A second signal means the operator will not wait: leftovers are cleared by the next run.
    if (got) process.exit(signalExit(s));
    got = s;
    ac.abort(new RelupError('INTERRUPTED', `interrupted by ${s} while reading the package; nothing was changed`, { hint: 'run the command again', exitCode: signalExit(s) }));
  };
  for (const s of sigs) process.on(s, on);
  return { signal: ac.signal, dispose: () => sigs.forEach((s) => process.off(s, on)) };
}

/** Every sidecar check of the plan, before any script runs (the dry run words its warning as would). */
async function verifyChecksums(plan: Plan, requireChecksum: boolean, warn: (m: string) => void, signal?: AbortSignal, would = false): Promise<void> {
  if (plan.verify.length === 0) return;
  const { verifySidecar } = await import('./package/checksum.js');
  for (const pkg of plan.verify) {
    const sum = await verifySidecar(pkg, { required: requireChecksum, ...(signal ? { signal } : {}) });
    if (sum.status === 'absent') warn(`no ${sum.sidecar}; the package ${would ? 'would be' : 'is'} used without a checksum check`);
  }
}

/** Under the lock: the plan's checksums first, then the extraction when one is needed. */
async function verifyAndExtract(p: Prepared, requireChecksum: boolean, warn: (m: string) => void, signal: AbortSignal): Promise<void> {
  const bin = join(p.root, 'bin');
  const extract = p.pkg ? await import('./package/extract.js') : null;
  if (extract) await extract.cleanStaleTemps(bin);
  await verifyChecksums(p.plan, requireChecksum, warn, signal);
  // Another run may have extracted them while we waited for nothing: we hold the lock now.
  if (!extract || !p.pkg || (await scriptsPresent(p.root, p.plan.newestVersion))) return;
  await extract.extractScripts(p.pkg.path, p.plan.newestVersion, bin, { signal });
}

/** access(W_OK) tells without writing; EACCES -> PERMISSION (77), EROFS -> CANNOT_WRITE (73), as the write would. */
async function checkWritable(dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    try {
      await fsp.access(dir, fsConstants.W_OK);
    } catch (e) {
      throw fromFsError(e, dir, 'checking that the real run can write there');
    }
  }
}

/** --dry-run: every check a real run makes (lock, write access, checksums, package), reading only. */
export async function dryRun(req: RelupRequest): Promise<Prepared> {
  const p = await prepare(req);
  // The same order as apply(): lock, then what is done under it. Nothing is locked or written.
  await checkLockFree(p.root, req.env[ENV_LOCK]);
  await checkWritable(dirsWritten(p.plan));
  await verifyChecksums(p.plan, req.requireChecksum, req.warn, undefined, true);
  if (p.pkg) {
    const { checkScripts } = await import('./package/extract.js');
    const heads = await checkScripts(p.pkg.path, p.plan.newestVersion, join(p.root, 'bin'));
    if (hasMarker(heads.get(`emqx-${p.plan.newestVersion}`) ?? Buffer.alloc(0))) p.plan = handOverToWrapper(p.plan, req.json);
  } else if (await headHasMarker(p.plan.exec.file)) {
    p.plan = handOverToWrapper(p.plan, req.json);
  }
  return p;
}

export async function apply(req: RelupRequest): Promise<{ plan: Plan; exitCode: number }> {
  const p = await prepare(req);
  // From before the lock until the hand-over takes over the signals: an interrupt frees the lock
  // and the temporaries instead of killing us half-way.
  const sig = abortOnSignals();
  let lock: Lock | null = null;
  try {
    let plan = p.plan;
    try {
      lock = await acquireLock(p.root, req.env[ENV_LOCK]);
      sig.signal.throwIfAborted();
      await verifyAndExtract(p, req.requireChecksum, req.warn, sig.signal);
      if (plan.action === 'exec-newer') {
        plan = { ...plan, exec: { ...plan.exec, env: { ...plan.exec.env, [ENV_LOCK]: lock.token } } };
        if (await headHasMarker(plan.exec.file)) plan = handOverToWrapper(plan, req.json);
      }
      sig.signal.throwIfAborted();
    } catch (e) {
      sig.dispose();
      throw e;
    }
    const env = withRunnerEnv(req.env, plan.exec.env);
    // runInherited installs its forwarding handlers synchronously, before ours go.
    const running = runInherited({ file: plan.exec.file, args: plan.exec.args, cwd: plan.exec.cwd, env });
    sig.dispose();
    return { plan, exitCode: await running };
  } finally {
    await lock?.release();
  }
}
