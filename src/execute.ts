// A hot-upgrade command end to end: gather the facts (gather.ts, reads only), decide on them
// (decide.ts, pure), then execute: lock, verify checksums, extract, hand over. The dry run is the
// same pipeline with the execute step replaced by the checks it would make, reading only.
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { fromFsError, RelupError } from './errors.js';
import { dirsWritten, handOverToWrapper, redactPlan, ENV_LOCK, type Plan } from './plan.js';
import { withRunnerEnv } from './release/index.js';
import { versionedScriptFiles } from './release/script-names.js';
import type { LocatedPackage } from './package/locate.js';
import { acquireLock, checkLockFree, type Lock } from './process/lock.js';
import { runInherited } from './process/handover.js';
import { onOperatorSignals, signalExit } from './signals.js';
import { hasMarker, headHasMarker } from './release/wrapper-marker.js';
import { logRun } from './process/run-log.js';
import { toolVersion } from './cli/tool-version.js';
import { decide } from './decide.js';
import { replaceFile } from './durable-file.js';
import { parseEmqxVars } from './release/vars.js';
import { withAddedLines, type VarsAddition } from './release/vars-additions.js';
import { gather, scriptsPresent, type GatherRequest } from './gather.js';

export { hopsFrom, scriptsPresent } from './gather.js';

export interface RelupRequest extends GatherRequest {
  requireChecksum: boolean;
  /** --json: kept when handing over to a newer wrapper. */
  json: boolean;
  warn(message: string): void;
}

export interface Prepared {
  plan: Plan;
  cookie: string;
  /** The package to extract the newest scripts from; null when they are in bin/ already. */
  pkg: LocatedPackage | null;
  root: string;
}

/** Gather, then decide: the plan, or the first refusal in the settled order. */
export async function prepare(req: RelupRequest): Promise<Prepared> {
  const { facts, warnings } = await gather(req);
  for (const w of warnings) req.warn(w);
  const d = decide(facts);
  for (const w of d.warnings) req.warn(w);
  return { plan: d.plan, cookie: d.cookie, pkg: d.pkg, root: facts.root };
}

/** Aborts the extraction on the operator's signals, so the temporaries go and the lock is freed. */
function abortOnSignals(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  let got: NodeJS.Signals | null = null;
  const dispose = onOperatorSignals((s) => {
    // A second signal means the operator will not wait: leftovers are cleared by the next run.
    if (got) process.exit(signalExit(s));
    got = s;
    ac.abort(new RelupError('INTERRUPTED', `interrupted by ${s} while reading the package; nothing was changed`, { hint: 'run the command again', exitCode: signalExit(s) }));
  });
  return { signal: ac.signal, dispose };
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

/** --dry-run: every check a real run makes (lock, write access, checksums, package), reading only. */
export async function dryRun(req: RelupRequest): Promise<Prepared> {
  const p = await prepare(req);
  // The same order as execute(): lock, then what is done under it. Nothing is locked or written.
  await checkLockFree(p.root, req.env[ENV_LOCK]);
  await checkWritable(dirsWritten(p.plan));
  await verifyChecksums(p.plan, req.requireChecksum, req.warn, undefined, true);
  if (p.pkg) {
    const { checkScripts } = await import('./package/extract.js');
    const heads = await checkScripts(p.pkg.path, p.plan.newestVersion, join(p.root, 'bin'));
    if (hasMarker(heads.get(versionedScriptFiles(p.plan.newestVersion)[0]) ?? Buffer.alloc(0))) p.plan = handOverToWrapper(p.plan, req.json);
  } else if (await headHasMarker(p.plan.exec.file)) {
    p.plan = handOverToWrapper(p.plan, req.json);
  }
  return p;
}

export async function execute(req: RelupRequest): Promise<{ plan: Plan; exitCode: number }> {
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
      // Before extracting: a releases/ we cannot write refuses with bin/ untouched.
      if (plan.emqxVars) await checkWritable([join(p.root, 'releases')]);
      await verifyAndExtract(p, req.requireChecksum, req.warn, sig.signal);
      sig.signal.throwIfAborted();
      if (plan.emqxVars) plan = { ...plan, emqxVars: await addEmqxVars(plan.emqxVars, req.env) };
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
