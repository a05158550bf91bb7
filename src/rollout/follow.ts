// A long remote command that survives the connection: it is started detached on the host
// (`emqx --detach=ID`, process/detached-run.ts) and followed; when the connection drops, it is
// followed again (`--follow=ID`) over a new one until it ends or the reconnect window closes. A
// dropped connection never reads as "failed" or "nothing changed": the command's fate is known
// only from its status on the host, else it is HOST_UNKNOWN.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RelupError } from '../errors.js';
import { RUNS_DIR } from '../process/detached-run.js';
import { parseRunLine, type RunLine } from '../process/run-line.js';
import type { HostSpec } from './host-spec.js';
import { unreachable } from './preflight.js';
import { detachCommand, followCommand, type RemoteEmqx } from './remote.js';
import { neverConnected, type ExecResult, type Transport } from './ssh.js';

export const DEFAULT_RECONNECT_MS = 60_000;

export interface FollowSpec {
  /** Bound on the whole command, reconnects included. */
  timeoutMs: number;
  /** How long to keep trying to follow it again after the connection dropped. */
  reconnectMs: number;
  /** Pause between reconnect attempts. */
  retryMs?: number;
}

/** A fresh run id: time first (the runs/ directory lists in order), then randomness. */
export function newRunId(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Where a run's log is on the host, for the messages that send the operator there. */
export function runLogPath(root: string, id: string): string {
  return `${root}/${RUNS_DIR}/${id}.log`;
}

/**
 * Runs `args` detached on the host and follows it to its end. Returns the command's result (its
 * exit status and output) as if it had run in the foreground. Throws UNREACHABLE when it never
 * reached the host (nothing changed there) and HOST_UNKNOWN when it did but its end could not be
 * read again.
 */
export async function runDetached(t: Transport, host: HostSpec, emqx: RemoteEmqx, args: string[], doing: string, spec: FollowSpec): Promise<DetachedResult> {
  const id = newRunId();
  const deadline = Date.now() + spec.timeoutMs;
  const left = () => Math.max(1000, deadline - Date.now());
  let r = await t.exec(host.dest, detachCommand(emqx, host.root, id, args), { timeoutMs: spec.timeoutMs, holdStdin: true });
  if (neverConnected(r)) throw unreachable(host, r);
  let line = parseRunLine(r.stdout, id);
  const lostAt = Date.now();
  let last = r;
  while (line === null && !r.timedOut) {
    if (Date.now() - lostAt > spec.reconnectMs) break;
    await sleep(spec.retryMs ?? 1000);
    r = await t.exec(host.dest, followCommand(emqx, host.root, id), { timeoutMs: left(), holdStdin: true });
    line = parseRunLine(r.stdout, id);
    if (line !== null || r.stderr.trim() !== '') last = r;
  }
  return settleRun(host, id, doing, line, r, last, spec);
}

/** A detached command's result, as if it had run in the foreground, plus what the host reported after it. */
export interface DetachedResult extends ExecResult {
  /** The host's `--status --json` object read right after the command (unchecked), when it sent one. */
  after?: unknown;
}

function settleRun(host: HostSpec, id: string, doing: string, line: RunLine | null, r: ExecResult, last: ExecResult, spec: FollowSpec): DetachedResult {
  const log = runLogPath(host.root, id);
  const details = { host: host.dest, root: host.root, run: id, stdout: last.stdout, stderr: last.stderr };
  if (line === null) {
    if (r.timedOut) {
      throw new RelupError('HOST_UNKNOWN', `${host.dest}: ${doing} did not end within ${Math.round(spec.timeoutMs / 1000)} s; it goes on on the host (log: ${log})`, {
        hint: 'see that log and emqx --status on the host; re-run the same command once it has ended: the host is read again',
        details,
      });
    }
    const why = last.stderr.trim().split('\n').filter(Boolean).pop() ?? `ssh exited ${last.exitCode}`;
    throw new RelupError('HOST_UNKNOWN', `${host.dest}: lost the SSH connection during ${doing} and could not follow it again within ${Math.round(spec.reconnectMs / 1000)} s (${why}): whether it ended, and how, is unknown`, {
      hint: `its log on the host is ${log}; re-run the same command once the host is reachable: it reads the host again`,
      details,
    });
  }
  if (line.state === 'not-started') {
    throw new RelupError('UNREACHABLE', `${host.dest}: the SSH connection dropped before ${doing} started on the host`, {
      hint: 'check the host and the network, then re-run; nothing was changed on it',
      details,
    });
  }
  if (line.state === 'vanished') {
    throw new RelupError('ROLLOUT_HALTED', `${host.dest}: ${doing} ended on the host without an exit status (killed, or the host rebooted; log: ${log})`, {
      hint: 'see what the host runs now (its row); re-run the same command: it reads the host again',
      details,
    });
  }
  if (line.state === 'running') {
    throw new RelupError('HOST_UNKNOWN', `${host.dest}: ${doing} still runs on the host, but its follower stopped (log: ${log})`, {
      hint: 're-run the same command once it has ended',
      details,
    });
  }
  // The run line is the follower's, not the command's output.
  const stdout = last.stdout.split('\n').filter((l) => !l.startsWith('{"run":')).join('\n');
  return { exitCode: line.exitCode, stdout, stderr: last.stderr, timedOut: false, ...(line.after ? { after: line.after } : {}) };
}
