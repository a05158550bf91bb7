// Timing of spawned processes. spawnSync keeps the event loop out of the measured interval.
import { spawnSync } from 'node:child_process';

export interface Run {
  ms: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep stdout (default: discarded, like `> /dev/null`). */
  captureStdout?: boolean;
}

export function timed(cmd: string, args: readonly string[], opts: RunOptions = {}): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', opts.captureStdout ? 'pipe' : 'ignore', 'pipe'],
    maxBuffer: 64 << 20,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  return { ms, status: r.status, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

/** First non-empty line of a command's stderr, for "why it failed" lines. */
export function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

export interface ChildReport {
  ms: number;
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
