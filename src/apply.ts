// The effects of a hot-upgrade command, in the settled order: target syntax -> root and
// emqx_vars -> edition -> node alive -> lock -> package, checksum, extraction -> hand-over.
// Every decision is delegated to plan.ts; this module only gathers facts and acts on them.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { RelupError, fromFsError } from './errors.js';
import {
  buildPlan,
  checkEdition,
  checkHops,
  decideVersions,
  ENV_HOPS,
  ENV_LOCK,
  MAX_HOPS,
  versionedScripts,
  type NodeIdentity,
  type Plan,
  type RelupCommand,
  type VersionDecision,
} from './plan.js';
import { parseTarget, type Target } from './version/index.js';
import {
  chooseRoot,
  EKKA_ERL_FLAGS,
  findRoot,
  readReleaseFacts,
  requireCookie,
  selfPath,
  versionFromScriptName,
  type ReleaseFacts,
} from './release/index.js';
import { explicitPackage, locatePackage, selectPackage, type LocatedPackage } from './package/locate.js';
import { acquireLock, type Lock } from './apply/lock.js';
import { nodeDown, pingNode } from './apply/ping.js';
import { runInherited } from './apply/handover.js';

export interface RelupRequest {
  command: RelupCommand;
  target: string | null;
  passArgs: string[];
  rootFlag: string | null;
  packageFlag: string | null;
  requireChecksum: boolean;
  dryRun: boolean;
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
  if (await scriptsPresent(root, newest)) {
    // Scripts already here: still refuse a target version whose only packages are of the other edition.
    if (target && !target.packagePath && !req.packageFlag) {
      const names = await fsp.readdir(join(root, 'releases')).catch(() => [] as string[]);
      const sel = selectPackage(names, target.version, edition);
      if (sel.kind === 'other-edition') {
        checkEdition(edition, sel.matches[0]!.edition, `package ${sel.matches[0]!.file}`);
      }
    }
    return { escriptFile: versioned.escript, pkg: null };
  }
  const named = req.packageFlag ?? target?.packagePath ?? (target?.package ? target.raw : null);
  if (named !== null) {
    const pkg = await explicitPackage(root, named, { edition, version: null });
    if (pkg.name.version === newest) return { escriptFile: versioned.escript, pkg };
    if (req.packageFlag) {
      throw new RelupError('USAGE', `--package ${pkg.name.file} holds version ${pkg.name.version}, but the scripts of ${newest} (the newer version) are needed`, {
        hint: `give the package of ${newest} with --package, or put bin/emqx-${newest} and bin/install_upgrade.escript-${newest} in bin/`,
      });
    }
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

export async function prepare(req: RelupRequest): Promise<Prepared> {
  const target = req.target === null ? null : parseTarget(req.target);
  const self = selfPath(req.invoked, req.cwd);
  const { root } = findRoot(chooseRoot({ flag: req.rootFlag, env: req.env, self, cwd: req.cwd }));
  const facts = readReleaseFacts(root, req.env);
  for (const w of facts.warnings) req.warn(w);

  const hops = hopsFrom(req.env);
  const decision = decideVersions(versionFromScriptName(self.invoked), facts.vars.relVsn, target?.version ?? null);
  checkHops(decision, hops);
  if (target) checkEdition(facts.vars.edition, target.edition, `target ${target.raw}`);

  const { escriptFile, pkg } = await scriptSource(req, facts, decision, target);

  const node: NodeIdentity = { name: facts.node.name, nameType: facts.node.nameType, cookie: requireCookie(facts.node) };
  if (facts.nodetool === null) {
    req.warn(`${join(root, 'bin/nodetool')} not found; cannot check that node ${node.name} is running`);
  } else {
    // An ekka node is reachable only through ekka's distribution, for nodetool as for the escript.
    const env = facts.hasEkka ? { ...req.env, ERL_FLAGS: [req.env.ERL_FLAGS, EKKA_ERL_FLAGS].filter(Boolean).join(' ') } : req.env;
    const ping = await pingNode(facts.escript, facts.nodetool, node, root, env);
    if (!ping.alive) throw nodeDown(node, ping.output);
  }

  const plan = buildPlan({
    command: req.command,
    target,
    passArgs: req.passArgs,
    root,
    relName: facts.vars.relName,
    edition: facts.vars.edition,
    decision,
    hops,
    escriptFile,
    package: pkg?.path ?? null,
    escriptBin: facts.escript,
    node,
    hasEkka: facts.hasEkka,
    lockToken: null,
  });
  return { plan, cookie: node.cookie, pkg, root };
}

/** Aborts the extraction on the operator's signals, so the temporaries go and the lock is freed. */
function abortOnSignals(): { signal: AbortSignal; dispose(): void; received(): NodeJS.Signals | null } {
  const ac = new AbortController();
  let got: NodeJS.Signals | null = null;
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const on = (s: NodeJS.Signals) => {
    got = s;
    ac.abort(new RelupError('INTERNAL', `interrupted by ${s} while extracting; nothing was changed`, { hint: 'run the command again' }));
  };
  for (const s of sigs) process.on(s, on);
  return { signal: ac.signal, dispose: () => sigs.forEach((s) => process.off(s, on)), received: () => got };
}

async function extractUnderLock(p: Prepared, requireChecksum: boolean, warn: (m: string) => void): Promise<void> {
  const pkg = p.pkg!;
  const { verifySidecar } = await import('./package/checksum.js');
  const { extractScripts, cleanStaleTemps } = await import('./package/extract.js');
  const bin = join(p.root, 'bin');
  await cleanStaleTemps(bin);
  const sig = abortOnSignals();
  try {
    const sum = await verifySidecar(pkg.path, { required: requireChecksum, signal: sig.signal });
    if (sum.status === 'absent') warn(`no ${sum.sidecar}; the package is used without a checksum check`);
    // Another run may have extracted them while we waited for nothing: we hold the lock now.
    if (await scriptsPresent(p.root, p.plan.newestVersion)) return;
    await extractScripts(pkg.path, p.plan.newestVersion, bin, { signal: sig.signal });
  } finally {
    sig.dispose();
  }
}

/** --dry-run: every check a real run makes, reading only. */
export async function dryRun(req: RelupRequest): Promise<Prepared> {
  const p = await prepare(req);
  if (p.pkg) {
    const { verifySidecar } = await import('./package/checksum.js');
    const { extractScripts } = await import('./package/extract.js');
    const sum = await verifySidecar(p.pkg.path, { required: req.requireChecksum });
    if (sum.status === 'absent') req.warn(`no ${sum.sidecar}; the package would be used without a checksum check`);
    // The same reading and checks as a real extraction, into a private scratch directory.
    const scratch = await fsp.mkdtemp(join(tmpdir(), 'emqx-relup-dry-'));
    try {
      await extractScripts(p.pkg.path, p.plan.newestVersion, scratch);
    } finally {
      await fsp.rm(scratch, { recursive: true, force: true });
    }
  }
  return p;
}

export async function apply(req: RelupRequest): Promise<{ plan: Plan; exitCode: number }> {
  const p = await prepare(req);
  let lock: Lock | null = null;
  try {
    lock = await acquireLock(p.root, req.env[ENV_LOCK]);
    if (p.pkg) await extractUnderLock(p, req.requireChecksum, req.warn);
    const plan = p.plan.action === 'exec-newer' ? { ...p.plan, exec: { ...p.plan.exec, env: { ...p.plan.exec.env, [ENV_LOCK]: lock.token } } } : p.plan;
    const env: NodeJS.ProcessEnv = { ...req.env, ...plan.exec.env };
    if (plan.exec.env.ERL_FLAGS && req.env.ERL_FLAGS) env.ERL_FLAGS = `${req.env.ERL_FLAGS} ${plan.exec.env.ERL_FLAGS}`;
    const exitCode = await runInherited({ file: plan.exec.file, args: plan.exec.args, cwd: plan.exec.cwd, env });
    return { plan, exitCode };
  } finally {
    await lock?.release();
  }
}
