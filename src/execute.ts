// A hot-upgrade command end to end: gather the facts (gather.ts, reads only, each package once),
// decide on them (decide.ts, pure: checksums included), then execute: lock, put the checked
// scripts into bin/, hand over. The dry run is the same pipeline with the execute step replaced by
// the checks it would make, reading only.
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { fromFsError, RelupError } from './errors.js';
import { dirsWritten, redactPlan, ENV_LOCK, type Plan } from './plan.js';
import { withRunnerEnv } from './release/index.js';
import type { PackageRead, ScriptFile } from './package/read.js';
import { identityOf, sameFile } from './package/open.js';
import { acquireLock, checkLockFree, type Lock } from './process/lock.js';
import { runInherited } from './process/handover.js';
import { onOperatorSignals, signalExit } from './signals.js';
import { logRun } from './process/run-log.js';
import { toolVersion } from './tool-version.js';
import { decide } from './decide.js';
import { replaceFile } from './durable-file.js';
import { parseEmqxVars } from './release/vars.js';
import { withAddedLines, type VarsAddition } from './release/vars-additions.js';
import { gather, type GatherRequest } from './gather.js';

export interface RelupRequest extends GatherRequest {
  warn(message: string): void;
}

export interface Prepared {
  plan: Plan;
  cookie: string;
  /** The scripts to write into bin/ (as read and checked), null when they are in bin/ already. */
  scripts: ScriptFile[] | null;
  /** The packages the plan uses, as read: still the same files when the lock is held. */
  reads: PackageRead[];
  /** Said once the run goes ahead (decide.ts proceedWarnings). */
  proceedWarnings: string[];
  root: string;
}

/** Gather, then decide: the plan, or the first refusal in the settled order. */
export async function prepare(req: RelupRequest, signal?: AbortSignal): Promise<Prepared> {
  const { facts, warnings } = await gather(req, signal);
  for (const w of warnings) req.warn(w);
  const d = decide(facts);
  for (const w of d.warnings) req.warn(w);
  return { plan: d.plan, cookie: d.cookie, scripts: d.scripts, reads: d.reads, proceedWarnings: d.proceedWarnings, root: facts.root };
}

/**
 * On the operator's signals, the package read stops and the lock is freed, bin/ as it was, instead
 * of dying half-way; `changed` says what was already done by then.
 */
function abortOnSignals(changed: () => string | null): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  let got: NodeJS.Signals | null = null;
  const dispose = onOperatorSignals((s) => {
    // A second signal means the operator will not wait: leftovers are cleared by the next run.
    if (got) process.exit(signalExit(s));
    got = s;
    const done = changed();
    ac.abort(new RelupError('INTERRUPTED', `interrupted by ${s}; ${done ?? 'nothing was changed'}`, { hint: 'run the command again', exitCode: signalExit(s) }));
  });
  return { signal: ac.signal, dispose };
}

/**
 * Under the lock: release_handler will read the packages again itself, so they must still be the
 * files that were verified; then the scripts go into bin/ from the bytes that were checked (also
 * over ones another run put there while we waited: these are what this run decided on).
 */
async function putScripts(p: Prepared, signal: AbortSignal): Promise<void> {
  for (const r of p.reads) await checkUnchanged(r);
  if (!p.scripts) return;
  const bin = join(p.root, 'bin');
  const { cleanStaleTemps, writeScripts } = await import('./package/extract.js');
  await cleanStaleTemps(bin);
  await writeScripts(bin, p.scripts, { signal });
}

/** The package at its path is still the file that was read (one stat). */
async function checkUnchanged(r: PackageRead): Promise<void> {
  if (r.identity === null) return;
  let now;
  try {
    now = identityOf(await fsp.stat(r.path));
  } catch (e) {
    throw fromFsError(e, r.path, 'checking the package is the one verified');
  }
  if (!sameFile(now, r.identity)) {
    throw new RelupError('PACKAGE_CHANGED', `package ${r.path} was replaced after it was checked; nothing was changed`, {
      hint: 'make sure nothing else writes to releases/, then run the command again',
      details: { package: r.path },
    });
  }
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

/**
 * Under the lock, before the hand-over: appends the package's lines to the installed emqx_vars,
 * durably (synced temporary renamed over it, same mode and owner). The file is read again first:
 * a line whose variables it defines by now (another run, an operator) is left out. Returns what
 * was written, or null for nothing.
 */
async function addEmqxVars(a: VarsAddition, env: NodeJS.ProcessEnv): Promise<VarsAddition | null> {
  let text: string;
  let st: Awaited<ReturnType<typeof fsp.stat>>;
  try {
    st = await fsp.stat(a.file);
    text = await fsp.readFile(a.file, 'utf8');
  } catch (e) {
    throw fromFsError(e, a.file, 'reading the release variables again before adding to them');
  }
  const now = parseEmqxVars(text, env, a.file);
  const lines = a.lines.filter((l) => !l.names.some((n) => now.has(n)));
  if (lines.length === 0) return null;
  try {
    await replaceFile(a.file, withAddedLines(text, a, lines), st.mode & 0o7777);
    // As root (no RUNNER_USER), the new file keeps the installation's owner, not ours.
    if (process.getuid?.() === 0 && (st.uid !== 0 || st.gid !== 0)) await fsp.chown(a.file, st.uid, st.gid);
  } catch (e) {
    throw fromFsError(e, a.file, `adding ${lines.flatMap((l) => l.names).join(', ')} for the ${a.runner} runner`);
  }
  return { ...a, lines };
}

/** --dry-run: every check a real run makes (lock, write access, destinations), reading only. */
export async function dryRun(req: RelupRequest): Promise<Prepared> {
  const p = await prepare(req);
  // The same order as execute(): lock, then what is done under it. Nothing is locked or written.
  await checkLockFree(p.root, req.env[ENV_LOCK]);
  await checkWritable(dirsWritten(p.plan));
  for (const w of p.proceedWarnings) req.warn(w);
  if (p.scripts) {
    const { checkDestinations } = await import('./package/extract.js');
    await checkDestinations(join(p.root, 'bin'), p.scripts.map((s) => s.dest));
  }
  return p;
}

export async function execute(req: RelupRequest): Promise<{ plan: Plan; exitCode: number }> {
  // From the package read until the hand-over takes over the signals: an interrupt stops the read,
  // frees the lock and the temporaries instead of killing us half-way.
  let placed: string | null = null;
  const sig = abortOnSignals(() => placed);
  let p: Prepared;
  try {
    p = await prepare(req, sig.signal);
  } catch (e) {
    sig.dispose();
    throw e;
  }
  let lock: Lock | null = null;
  try {
    let plan = p.plan;
    try {
      lock = await acquireLock(p.root, req.env[ENV_LOCK]);
      sig.signal.throwIfAborted();
      // Before extracting: a releases/ we cannot write refuses with bin/ untouched.
      if (plan.emqxVars) await checkWritable([join(p.root, 'releases')]);
      for (const w of p.proceedWarnings) req.warn(w);
      await putScripts(p, sig.signal);
      if (p.scripts) placed = `the scripts of ${p.plan.newestVersion} are in bin/, as the next run would put them; nothing else was changed`;
      sig.signal.throwIfAborted();
      if (plan.emqxVars) {
        plan = { ...plan, emqxVars: await addEmqxVars(plan.emqxVars, req.env) };
        if (plan.emqxVars) placed = `${p.scripts ? `the scripts of ${p.plan.newestVersion} are in bin/ and ` : ''}releases/emqx_vars has the lines the ${p.plan.newestVersion} runner needs, as the next run would write them; nothing else was changed`;
      }
      // The newer wrapper runs under this lock: the one thing only the execute step knows.
      if (plan.action === 'exec-newer') plan = { ...plan, exec: { ...plan.exec, env: { ...plan.exec.env, [ENV_LOCK]: lock.token } } };
      sig.signal.throwIfAborted();
    } catch (e) {
      sig.dispose();
      throw e;
    }
    const env = withRunnerEnv(req.env, plan.exec.env);
    // <root>/log/emqx-relup.log: a hand-over is recorded before it (the newer wrapper records
    // its own run), the escript's outcome after it returns. Never with the cookie in it.
    const logged = redactPlan(plan, p.cookie);
    if (plan.action === 'exec-newer') logRun(p.root, logged, { kind: 'handed-over' }, toolVersion(), req.warn);
    // runInherited installs its forwarding handlers synchronously, before ours go.
    const running = runInherited({ file: plan.exec.file, args: plan.exec.args, cwd: plan.exec.cwd, env });
    sig.dispose();
    const exitCode = await running;
    if (plan.action === 'run-escript') logRun(p.root, logged, { kind: 'exit', exitCode }, toolVersion(), req.warn);
    return { plan, exitCode };
  } finally {
    await lock?.release();
  }
}
