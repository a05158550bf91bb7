// A wrapper command that outlives the connection that started it (`emqx --detach=ID ...`): the
// command runs in its own session and process group (setsid, via spawn's `detached`), with its
// output in <root>/log/emqx-relup-runs/ID.log and, when it ends, its exit status written
// atomically to ID.status. The starter then follows it (as `emqx --follow=ID` does after a
// reconnect): it streams the log to stderr and ends with one run line on stdout (run-line.ts).
// A dropped ssh session kills only the follower, never the command, and the escript never
// writes to a dead channel. Only Node's own modules: the host needs nothing new.
import { spawn } from 'node:child_process';
import { promises as fsp, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { replaceFile } from '../durable-file.js';
import { RelupError } from '../errors.js';
import { pidAlive } from '../pid.js';
import { formatRunLine, type RunLine } from './run-line.js';

// Beside the wrapper's run log in EMQX's log directory (process/run-log.ts).
export const RUNS_DIR = join('log', 'emqx-relup-runs');
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function runPaths(root: string, id: string): { dir: string; log: string; pid: string; status: string } {
  if (!ID.test(id)) throw new RelupError('USAGE', `bad run id ${JSON.stringify(id)}`, { hint: 'use letters, digits, ".", "_" and "-" (at most 64)' });
  const dir = join(root, RUNS_DIR);
  return { dir, log: join(dir, `${id}.log`), pid: join(dir, `${id}.pid`), status: join(dir, `${id}.status`) };
}

/** This boot's id: a pid file from before a reboot names another process, or none. */
function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/** How to start this wrapper again: node + script, or (a single executable) the executable alone. */
async function self(): Promise<string[]> {
  // The single executable picks its applet by its first word whatever its file is called
  // (src/cli/applet.ts): it runs as the wrapper again only when told so.
  const sea = await import('node:sea').then(
    (m) => m.isSea(),
    () => false,
  );
  if (sea) return [process.execPath, 'emqx'];
  const script = process.argv[1];
  return script && script !== process.execPath ? [process.execPath, script] : [process.execPath];
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || e instanceof SyntaxError) return null;
    throw e;
  }
}

/**
 * Starts `args` (a wrapper command line, --root included) detached, unless run ID exists already
 * (a start repeated after a lost answer only follows it), then follows it.
 */
export async function launchDetached(root: string, id: string, args: string[], io: FollowIo): Promise<number> {
  const p = runPaths(root, id);
  await fsp.mkdir(p.dir, { recursive: true });
  let log: fsp.FileHandle | null = null;
  try {
    log = await fsp.open(p.log, 'wx', 0o640);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  if (log) {
    try {
      const [file, ...pre] = await self();
      const child = spawn(file!, [...pre, `--detached-run=${id}`, ...args], { detached: true, stdio: ['ignore', log.fd, log.fd] });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', reject);
      });
      child.unref();
      await replaceFile(p.pid, JSON.stringify({ pid, boot: bootId(), startedAt: new Date().toISOString() }) + '\n');
    } finally {
      await log.close();
    }
  }
  return followRun(root, id, io);
}

/**
 * In the detached process: records how the command ended, with the host's status read after it
 * (`after`, the --status --json object, or null). A kill leaves no status: the follower says so.
 */
export async function recordRunEnd(root: string, id: string, exitCode: number, after: unknown = null): Promise<void> {
  await replaceFile(runPaths(root, id).status, JSON.stringify({ exitCode, endedAt: new Date().toISOString(), after }) + '\n');
}

export interface FollowIo {
  /** The run's output, as it grows. */
  out(chunk: Buffer): void;
  /** The one run line at the end. */
  line(text: string): void;
  /** Resolves when whoever follows goes away (stdin closed): the run goes on, the follower stops. */
  gone: Promise<void>;
  pollMs?: number;
  close?(): void;
}

/** Streams run ID's log until it ends (or vanishes, or the follower is gone); prints the run line; exits as the run did. */
export async function followRun(root: string, id: string, io: FollowIo): Promise<number> {
  const p = runPaths(root, id);
  let offset = 0;
  let gone = false;
  void io.gone.then(() => (gone = true));
  const drain = async () => {
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(p.log, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        io.out(Buffer.from(buf.subarray(0, bytesRead)));
      }
    } finally {
      await fh.close();
    }
    return true;
  };
  const end = (r: RunLine, code: number) => {
    io.line(formatRunLine(r));
    return code;
  };
  const since = Date.now();
  for (;;) {
    const status = await readJson<{ exitCode: number; after?: unknown }>(p.status);
    const hasLog = await drain();
    if (status) {
      await drain();
      return end({ id, state: 'ended', exitCode: status.exitCode, ...(status.after ? { after: status.after } : {}) }, status.exitCode);
    }
    if (!hasLog) return end({ id, state: 'not-started' }, 0);
    const started = await readJson<{ pid: number; boot: string | null }>(p.pid);
    // A pid file is written right after the spawn: none for long means the starter died first.
    const dead = started ? pidAlive(started.pid) === false || (started.boot !== null && started.boot !== bootId()) : Date.now() - since > 10_000;
    if (dead) {
      if (await readJson(p.status)) continue;
      return end({ id, state: 'vanished' }, 70);
    }
    if (gone) return end({ id, state: 'running' }, 0);
    await sleep(io.pollMs ?? 100);
  }
}

/** The follower's stdio: output to stderr, the run line to stdout, "gone" when stdin closes. */
export function processIo(): FollowIo {
  const gone = new Promise<void>((resolve) => {
    process.stdin.on('end', resolve).on('close', resolve).on('error', () => resolve());
    process.stdin.resume();
  });
  return {
    out: (c) => void process.stderr.write(c),
    line: (t) => void process.stdout.write(t + '\n'),
    gone,
    // An open stdin would keep this process alive after the run line.
    close: () => process.stdin.destroy(),
  };
}
