// Timing of spawned processes. spawnSync keeps the event loop out of the measured interval.
// Wall time is the figure; CPU time (user+sys of the process and every descendant it waited for,
// via GNU time) rides along because this machine is shared and wall time suffers from the load.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Run {
  ms: number;
  /** user + sys, ms; null when /usr/bin/time is not there. */
  cpuMs: number | null;
  maxRssKiB: number | null;
  status: number | null;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';
/** Set by --rt: run every measured command under `chrt -r 1`, as if the machine were otherwise idle. */
let prefix: string[] = [];

export function useRealtime(on: boolean): void {
  prefix = on ? ['chrt', '-r', '1'] : [];
}

/** The words --rt puts before a command (none without it), for processes started outside timed(). */
export function realtimePrefix(): string[] {
  return [...prefix];
}

const hasTime = fs.existsSync(GNU_TIME);
const timeFile = path.join(os.tmpdir(), `relup-bench-time-${process.pid}`);
process.on('exit', () => fs.rmSync(timeFile, { force: true }));

/** `%U %S %M` as written by GNU time -f into its -o file (last line: earlier ones are its notes). */
export function parseTimeOutput(text: string): { cpuMs: number; maxRssKiB: number } | null {
  const last = text.trim().split('\n').pop() ?? '';
  const m = /^(\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+)$/.exec(last.trim());
  if (!m) return null;
  return { cpuMs: (Number(m[1]) + Number(m[2])) * 1000, maxRssKiB: Number(m[3]) };
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep stdout (default: discarded, like `> /dev/null`). */
  captureStdout?: boolean;
}

export function timed(cmd: string, args: readonly string[], opts: RunOptions = {}): Run {
  const argv = [...prefix, ...(hasTime ? [GNU_TIME, '-f', '%U %S %M', '-o', timeFile] : []), cmd, ...args];
  if (hasTime) fs.rmSync(timeFile, { force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', opts.captureStdout ? 'pipe' : 'ignore', 'pipe'],
    maxBuffer: 64 << 20,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  const usage = hasTime && fs.existsSync(timeFile) ? parseTimeOutput(fs.readFileSync(timeFile, 'utf8')) : null;
  return {
    ms,
    cpuMs: usage?.cpuMs ?? null,
    maxRssKiB: usage?.maxRssKiB ?? null,
    status: r.status,
    stdout: r.stdout?.toString() ?? '',
    stderr: r.stderr?.toString() ?? '',
  };
}

/** First non-empty line of a command's stderr, for "why it failed" lines. */
export function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

export interface ChildReport {
  ms: number;
  /** user + sys of the measured call alone (all threads), ms. */
  cpuMs: number;
  maxRssKiB: number;
  rssBeforeKiB: number;
  [k: string]: unknown;
}

/** Runs dist/scripts/bench/child.js and parses its one-line JSON report. */
export function child(childJs: string, args: readonly string[]): { wallMs: number; report: ChildReport } {
  const r = timed(process.execPath, [childJs, ...args], { captureStdout: true });
  if (r.status !== 0) throw new Error(`child ${args[0]} failed (${r.status}): ${firstLine(r.stderr)}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return { wallMs: r.ms, report: JSON.parse(last) as ChildReport };
}
