// The facts a hot-upgrade command is decided on, collected once: target syntax, the root and its
// emqx_vars, releases/ and bin/, the packages a decision may take (opened, their sidecars read, and
// each read once for what the decision needs of it: package/read.ts), RELEASES, the installed
// relups, the hot patches, and the node's ping. Only reads, with one exception that must come first: becoming RUNNER_USER
// (run-as.ts), so every later read, and everything execute.ts does, is that user's. Failures that
// only matter to some decisions are kept as data (PackageProbe, PingFact) for decide.ts to raise in order.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { RelupError, fromFsError } from './errors.js';
import { decideVersions, ENV_HOPS, MAX_HOPS, type RelupCommand } from './plan.js';
import { nonEmptyFile, scriptsPresent } from './release/bin-scripts.js';
import { fromVersion, namedPackage, namedPackageDir, namedPackagePath, packageNeeds, PATCH_COMMANDS, PATH_COMMANDS, type PingFact, type WrapperFacts } from './decide.js';
import { probePackage, type PackageProbe } from './package/locate.js';
import { needsAnything, readPackage, type PackageNeeds, type PackageRead } from './package/read.js';
import { readSidecar, type SidecarFact } from './package/checksum.js';
import { decodeCarried, ENV_PACKAGES, fromCarried } from './package/carried.js';
import { chooseRoot, findRoot, readInstalledRelup, readReleaseFacts, readReleasesFile, requireCookie, runningRelease, selfPath, versionFromScriptName, type ReleaseEntry } from './release/index.js';
import { runnerUserOf } from './release/runner-user.js';
import { readHotPatches } from './release/data-dir.js';
import { becomeRunnerUser } from './process/run-as.js';
import { nodeEnv, pingNode } from './node/ping.js';
import { parsePackageName, parseTarget } from './version/index.js';
import { headHasMarker } from './release/wrapper-marker.js';
import { versionedScripts } from './release/script-names.js';

export interface GatherRequest {
  command: RelupCommand;
  target: string | null;
  passArgs: string[];
  rootFlag: string | null;
  packageFlag: string | null;
  /** --allow-patches: go on with hot patches in <data_dir>/patches. */
  allowPatches?: boolean;
  /** argv[1]: the path this wrapper was invoked by (its name may carry its version). */
  invoked: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** --require-checksum: a package without its sidecar is refused. */
  requireChecksum: boolean;
  /** --dry-run: only the wording of what would be done differs. */
  dryRun: boolean;
  /** --json: kept when handing over to a newer wrapper. */
  json: boolean;
}

/** Hop count from the environment; a malformed marker counts as a hop already made. */
export function hopsFrom(env: NodeJS.ProcessEnv): number {
  const raw = env[ENV_HOPS];
  if (raw === undefined || raw === '') return 0;
  return /^\d{1,3}$/.test(raw) ? Number(raw) : MAX_HOPS;
}

/** When the newest version's scripts are in bin/ already: whether its runner is this wrapper (its head's marker). */
async function binRunnerIsWrapper(root: string, newest: string, scriptsInBin: string[]): Promise<boolean> {
  return scriptsInBin.includes(newest) && (await headHasMarker(join(root, versionedScripts(newest).runner)));
}

/**
 * Each package read once, for all the decision needs of it; a wrapper handed over to takes the
 * facts its caller read of the very same file instead (package/carried.ts).
 */
async function readPackages(
  probes: Record<string, PackageProbe>,
  needsOf: (path: string) => PackageNeeds,
  env: NodeJS.ProcessEnv,
  handedOver: boolean,
  signal: AbortSignal | undefined,
): Promise<Record<string, PackageRead>> {
  const carried = handedOver ? decodeCarried(env[ENV_PACKAGES]) : new Map();
  const reads: Record<string, PackageRead> = {};
  for (const [path, probe] of Object.entries(probes)) {
    const needs = needsOf(path);
    if (!('size' in probe) || !needsAnything(needs)) continue;
    const c = carried.get(path);
    reads[path] = (c ? fromCarried(c, probe.identity, needs) : null) ?? (await readPackage(path, needs, signal ? { signal } : {}));
  }
  return reads;
}

const realpathOr = (p: string): Promise<string> => fsp.realpath(p).catch(() => p);

export interface Gathered {
  facts: WrapperFacts;
  /** Said while gathering (release defaults, the user switched to), in order. */
  warnings: string[];
}

/** `signal` stops a package read under way (the operator's Ctrl-C). */
export async function gather(req: GatherRequest, signal?: AbortSignal): Promise<Gathered> {
  const target = req.target === null ? null : parseTarget(req.target);
  const self = selfPath(req.invoked, req.cwd);
  const { root } = findRoot(chooseRoot({ flag: req.rootFlag, env: req.env, self, cwd: req.cwd }));
  const named = namedPackage(req.packageFlag, target);
  const releasesDir = join(root, 'releases');
  const place = named?.includes('/') ? { namedDir: await realpathOr(namedPackageDir(req.cwd, named)), releasesDir: await realpathOr(releasesDir) } : null;
  const release = readReleaseFacts(root, req.env);
  const warnings = [...release.warnings];
  // Before anything is pinged, locked or written, as the runner would `su` before its own work.
  const switched = becomeRunnerUser(runnerUserOf(release.vars.table), req.command, req.env);
  if (switched !== null) warnings.push(`running as ${switched} (RUNNER_USER in releases/emqx_vars), the installation's owner`);

  let releases: WrapperFacts['releases'];
  try {
    releases = await fsp.readdir(releasesDir);
  } catch (e) {
    releases = { error: fromFsError(e, releasesDir, 'listing the packages') };
  }
  const selfVersion = versionFromScriptName(self.invoked);
  // The versions in play by decide's own rule (current = the wrapper's name, else REL_VSN).
  const inPlay = decideVersions(selfVersion, release.vars.relVsn, target?.version ?? null);
  const versions = [...new Set([inPlay.current, ...(target ? [target.version] : [])])];
  const scriptsInBin: string[] = [];
  for (const v of versions) if (await scriptsPresent(root, v)) scriptsInBin.push(v);

  // The packages any decision may take: the named ones and those of the versions in play.
  const paths = new Set<string>();
  for (const arg of [req.packageFlag, named]) if (arg !== null && parsePackageName(arg.slice(arg.lastIndexOf('/') + 1))) paths.add(namedPackagePath(root, req.cwd, arg));
  if (Array.isArray(releases)) {
    for (const f of releases) {
      const p = parsePackageName(f);
      if (p && versions.includes(p.version)) paths.add(join(releasesDir, f));
    }
  }
  const probes: Record<string, PackageProbe> = {};
  for (const p of paths) probes[p] = await probePackage(p);

  let entries: ReleaseEntry[] = [];
  try {
    entries = readReleasesFile(root);
  } catch {
    // No readable RELEASES: EMQX's escript would look for the package, so the glob check applies.
  }
  const targetStatus = target ? (entries.find((r) => r.version === target.version)?.status ?? null) : null;
  const running = runningRelease(entries);

  let ping: PingFact;
  if (release.nodetool === null) ping = { kind: 'no-nodetool' };
  else {
    try {
      const n = release.node;
      ping = await pingNode(release.escript, release.nodetool, { name: n.name, nameType: n.nameType, cookie: requireCookie(n) }, root, nodeEnv(release, req.env));
    } catch (e) {
      if (!(e instanceof RelupError)) throw e;
      ping = { kind: 'error', error: e };
    }
  }

  // The upgrade paths (decide.ts checkUpgradePath): the relups of the running and target releases
  // on disk; those of the packages come with their one read below.
  const installedRelups: WrapperFacts['installedRelups'] = {};
  if (target && PATH_COMMANDS.includes(req.command)) {
    for (const v of new Set([fromVersion(running, release.vars.relVsn), target.version])) installedRelups[v] = readInstalledRelup(root, v);
  }

  const sidecars: Record<string, SidecarFact> = {};
  for (const [p, probe] of Object.entries(probes)) if ('size' in probe) sidecars[p] = await readSidecar(p);
  const needsFacts = {
    command: req.command,
    target,
    selfVersion,
    relVsn: release.vars.relVsn,
    runningRelease: running,
    scriptsInBin,
    // A package's relup may lie at its end (real EMQX packages): not read for a node that decide
    // refuses first (down, or nodetool failed), since the path check would never see it.
    nodeMayAnswer: ping.kind === 'alive' || ping.kind === 'no-nodetool',
  };
  const reads = await readPackages(
    probes,
    (p) => packageNeeds({ ...needsFacts, packageVersion: parsePackageName(p.slice(p.lastIndexOf('/') + 1))?.version ?? null, sidecar: sidecars[p] ?? { kind: 'absent' } }),
    req.env,
    hopsFrom(req.env) > 0,
    signal,
  );

  let patches: WrapperFacts['patches'] = null;
  if (PATCH_COMMANDS.includes(req.command)) {
    try {
      patches = readHotPatches(root, req.env);
    } catch (e) {
      if (!(e instanceof RelupError)) throw e;
      patches = { error: e };
    }
  }

  return {
    facts: {
      command: req.command,
      target,
      passArgs: req.passArgs,
      packageFlag: req.packageFlag,
      cwd: req.cwd,
      hops: hopsFrom(req.env),
      selfVersion,
      root,
      release,
      place,
      releases,
      scriptsInBin,
      plainEscript: await nonEmptyFile(join(root, 'bin', 'install_upgrade.escript')),
      probes,
      targetStatus,
      runningRelease: running,
      installedRelups,
      sidecars,
      reads,
      requireChecksum: req.requireChecksum,
      dryRun: req.dryRun,
      json: req.json,
      binRunnerIsWrapper: await binRunnerIsWrapper(root, inPlay.newest, scriptsInBin),
      env: req.env,
      patches,
      allowPatches: req.allowPatches ?? false,
      targetStartBoot: target ? await nonEmptyFile(join(releasesDir, target.version, 'start.boot')) : false,
      ping,
    },
    warnings,
  };
}
