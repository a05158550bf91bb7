// Pure decisions of the bootstrapper: facts in, plan out. Nothing here touches the file system,
// the environment or processes, so every rule is tested as plain data.
import { erlAtom, erlString } from './release/erlang-term.js';
import type { NameType } from './release/node.js';
import { versionedScripts } from './release/script-names.js';
import { RelupError } from './errors.js';
import { type Edition, type Target, newestOf } from './version/index.js';
import { runnerVars } from './release/runner-env.js';
import type { VarsAddition } from './release/vars-additions.js';

export const TARGET_COMMANDS = ['install', 'unpack', 'upgrade', 'downgrade', 'uninstall'] as const;
export type TargetCommand = (typeof TARGET_COMMANDS)[number];
export type RelupCommand = TargetCommand | 'versions';

export function isRelupCommand(s: string): s is RelupCommand {
  return s === 'versions' || (TARGET_COMMANDS as readonly string[]).includes(s);
}

/** Re-execs allowed in one chain: the plain wrapper hands over to emqx-<newest> once, never again. */
export const MAX_HOPS = 1;

export interface VersionDecision {
  current: string;
  /** Null for `versions`, which has no target. */
  target: string | null;
  newest: string;
  /** True when a newer emqx-<newest> must take over. */
  handOver: boolean;
}

/**
 * current = the version in this script's own name when it runs as emqx-<v>, else REL_VSN.
 * newest = the greater of current and target, so downgrades keep the current (newer) scripts.
 */
export function decideVersions(selfVersion: string | null, relVsn: string, targetVersion: string | null): VersionDecision {
  const current = selfVersion ?? relVsn;
  if (targetVersion === null) return { current, target: null, newest: current, handOver: false };
  const newest = newestOf(current, targetVersion);
  return { current, target: targetVersion, newest, handOver: newest !== current };
}

export function checkHops(decision: VersionDecision, hops: number): void {
  if (decision.handOver && hops >= MAX_HOPS) {
    throw new RelupError(
      'REEXEC_LOOP',
      `refusing a second hand-over: this is already hop ${hops} of a re-exec chain and emqx-${decision.current} would hand over again to emqx-${decision.newest}`,
      { hint: `run bin/emqx-${decision.newest} directly, or check that bin/emqx-${decision.current} really is version ${decision.current}` },
    );
  }
}

export function checkEdition(installed: Edition, named: Edition | null, what: string): void {
  if (named !== null && named !== installed) {
    throw new RelupError('EDITION_MISMATCH', `${what} is ${named} edition but this installation is ${installed} (IS_ENTERPRISE in releases/emqx_vars)`, {
      hint: `use the ${installed} package (${installed === 'enterprise' ? 'emqx-enterprise-<version>' : 'emqx-<version>'}.tar.gz)`,
      details: { installed, named },
    });
  }
}

/** Commands whose escript hands the target's package in releases/ to release_handler to unpack. */
export function unpacksPackage(command: RelupCommand): boolean {
  return command === 'unpack' || command === 'upgrade';
}

/**
 * Whether an EMQX-style escript will look for the target's package in releases/: every command
 * but uninstall goes through its unpack step, which unpacks when release_handler does not know the
 * version, or knows it as unpacked while releases/<v>/start.boot is gone.
 */
export function escriptLooksForPackage(command: RelupCommand, status: string | null, hasStartBoot: boolean): boolean {
  if (command === 'uninstall' || command === 'versions') return false;
  return status === null || (status === 'unpacked' && !hasStartBoot);
}

/**
 * Packages whose `<package>.sha256` is checked before any script runs: the one the scripts are
 * extracted from and the one the escript will unpack. The second is checked even when the scripts
 * are already in bin/ (left by an earlier run), since release_handler reads it unverified.
 */
export function checksumTargets(extractFrom: string | null, unpackFrom: string | null): string[] {
  return [...new Set([extractFrom, unpackFrom].filter((p): p is string => p !== null))];
}

export { versionedScripts };


export type { NameType };

export interface NodeIdentity {
  name: string;
  nameType: NameType;
  cookie: string;
}

export function escriptTerm(relName: string, node: NodeIdentity): string {
  return `{${erlAtom(relName)}, ${erlString(node.nameType)}, ${erlAtom(node.name)}, ${erlAtom(node.cookie)}}`;
}

export interface Exec {
  file: string;
  args: string[];
  cwd: string;
  /** Variables added to the inherited environment. */
  env: Record<string, string>;
}

export interface Plan {
  command: RelupCommand;
  root: string;
  edition: Edition;
  currentVersion: string;
  targetVersion: string | null;
  newestVersion: string;
  package: string | null;
  extract: string[];
  /** Packages whose checksum sidecar is verified (required with --require-checksum) before any script runs. */
  verify: string[];
  /** Each package the plan uses, as it was read: its one pass's bytes, and its sha256 when hashed. */
  reads?: PlanRead[];
  action: 'exec-newer' | 'run-escript';
  exec: Exec;
  /** Lines appended to the installed releases/emqx_vars before the hand-over; null when none. */
  emqxVars: VarsAddition | null;
  /** Hot patch modules gone on with (--allow-patches); [] when none. */
  patchesAllowed: string[];
  warnings: string[];
}

export interface PlanRead {
  package: string;
  size: number | null;
  bytesRead: number;
  sha256: string | null;
}

export interface PlanFacts {
  command: RelupCommand;
  target: Target | null;
  passArgs: string[];
  root: string;
  relName: string;
  edition: Edition;
  /** The installed version (REL_VSN of emqx_vars), exported to the escript as EMQX's runner does. */
  relVsn: string;
  decision: VersionDecision;
  hops: number;
  /** The escript of the version that runs it (newest, or current for `versions`), relative to root. */
  escriptFile: string;
  /** Package the two scripts are taken from; null when they are already in bin/. */
  package: string | null;
  /** The target's package in releases/ that the escript will unpack (unpack, upgrade); null when none is there. */
  unpackPackage: string | null;
  escriptBin: string;
  node: NodeIdentity;
  hasEkka: boolean;
}

export const ENV_HOPS = 'EMQX_RELUP_HOPS';
export const ENV_LOCK = 'EMQX_RELUP_LOCK';

export function buildPlan(f: PlanFacts, warnings: string[] = []): Plan {
  const d = f.decision;
  const extract = f.package ? Object.values(versionedScripts(d.newest)) : [];
  const base = {
    command: f.command,
    root: f.root,
    edition: f.edition,
    currentVersion: d.current,
    targetVersion: d.target,
    newestVersion: d.newest,
    package: f.package,
    extract,
    verify: checksumTargets(f.package, f.unpackPackage),
    emqxVars: null,
    patchesAllowed: [],
    warnings,
  };
  if (d.handOver) {
    // The lock token is added when the lock is taken (execute.ts): a dry run holds none.
    const env: Record<string, string> = { EMQX_ROOT: f.root, [ENV_HOPS]: String(f.hops + 1) };
    return {
      ...base,
      action: 'exec-newer',
      exec: { file: `${f.root}/${versionedScripts(d.newest).runner}`, args: [f.command, d.newest, ...f.passArgs], cwd: f.root, env },
    };
  }
  // What EMQX's runner exports before its escript: RUNNER_ROOT_DIR, REL_VSN, IS_ENTERPRISE, ekka's ERL_FLAGS.
  // A newer emqx-<v> we hand over to builds these itself from the same emqx_vars.
  const env = runnerVars({ root: f.root, relVsn: f.relVsn, edition: f.edition, hasEkka: f.hasEkka });
  const versionArg = d.target === null ? [] : [d.target];
  return {
    ...base,
    action: 'run-escript',
    exec: {
      file: f.escriptBin,
      args: [`${f.root}/${f.escriptFile}`, f.command, escriptTerm(f.relName, f.node), ...versionArg, ...f.passArgs],
      cwd: f.root,
      env,
    },
  };
}

/**
 * Directories a real run of the plan writes, which --dry-run checks it could: the root (the lock
 * file), bin/ when the scripts are extracted, and releases/, where release_handler records every
 * target command (`versions` only reads).
 */
export function dirsWritten(plan: Plan): string[] {
  return [plan.root, ...(plan.package ? [`${plan.root}/bin`] : []), ...(plan.command === 'versions' ? [] : [`${plan.root}/releases`])];
}

/** The plan as printed by --dry-run: the cookie never leaves the machine in logs or tickets. */
export function redactPlan(plan: Plan, cookie: string): Plan {
  const hide = (s: string) => (cookie ? s.split(erlAtom(cookie)).join("'<cookie>'") : s);
  return { ...plan, exec: { ...plan.exec, args: plan.exec.args.map(hide) } };
}

/**
 * A newer emqx-<v> that is this wrapper parses wrapper options again: end them with `--` so an
 * escript argument is never taken for one, and keep the operator's --json and --allow-patches. A legacy shell
 * emqx-<v> gets the arguments exactly as they are.
 */
export function handOverToWrapper(plan: Plan, json: boolean): Plan {
  if (plan.action !== 'exec-newer') return plan;
  const [command, version, ...rest] = plan.exec.args;
  const own = [...(json ? ['--json'] : []), ...(plan.patchesAllowed.length > 0 ? ['--allow-patches'] : [])];
  return { ...plan, exec: { ...plan.exec, args: [command!, version!, ...own, '--', ...rest] } };
}
