// Is the node alive? Asked the way the reference script asks: the release's own nodetool, run by
// the release's escript, must answer "pong". A nodetool that fails for another reason (crash,
// unreadable cookie file, timeout) says nothing about the node: that is not "node down".
import { execFile } from 'node:child_process';
import { RelupError } from '../errors.js';
import type { NodeIdentity } from '../plan.js';
import type { ReleaseFacts } from '../release/facts.js';
import { runnerVars, withRunnerEnv } from '../release/runner-env.js';

/** Environment for nodetool: the runner environment of the installed release (see runner-env.ts). */
export function nodeEnv(facts: Pick<ReleaseFacts, 'root' | 'vars' | 'hasEkka'>, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return withRunnerEnv(env, runnerVars({ root: facts.root, relVsn: facts.vars.relVsn, edition: facts.vars.edition, hasEkka: facts.hasEkka }));
}

export const PING_TIMEOUT_MS = 30_000;

/** What a nodetool run looked like, as plain data. */
export interface NodetoolRun {
  /** Exit status; null when it was killed by a signal. */
  exitCode: number | null;
  /** True when execFile killed it on PING_TIMEOUT_MS. */
  killed: boolean;
  stdout: string;
  stderr: string;
}

export type PingVerdict =
  | { kind: 'alive' }
  /** nodetool ran and says the node does not answer. */
  | { kind: 'down'; line: string }
  /** nodetool itself failed: we do not know whether the node runs. */
  | { kind: 'failed'; line: string };

// Erlang's report headers (=ERROR REPORT==== ...) say nothing on their own; the line after does.
const REPORT_HEADER = /^=[A-Z ]+REPORT====/;
const FAILURE = /\b(error|exception|badmatch|badarg|crash\w*|eacces|enoent|timeout)\b/i;
// EMQX's nodetool: "Node 'x@y' not responding to pings." / "Failed to connect to node 'x@y'.".
const DOWN = /not responding to pings|failed to connect to node|not running|^pang$/i;

function clip(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/** Pure verdict on one nodetool ping run. */
export function classifyPing(r: NodetoolRun): PingVerdict {
  const lines = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (r.killed) return { kind: 'failed', line: `nodetool did not answer within ${PING_TIMEOUT_MS / 1000} s and was killed` };
  if (r.exitCode === 0 && /^pong$/m.test(r.stdout)) return { kind: 'alive' };
  const failure = lines.find((l) => FAILURE.test(l) && !REPORT_HEADER.test(l) && !DOWN.test(l));
  if (failure !== undefined) return { kind: 'failed', line: clip(failure) };
  const down = lines.find((l) => DOWN.test(l));
  if (down !== undefined && r.exitCode !== 0) return { kind: 'down', line: clip(down) };
  const how = r.exitCode === null ? 'was killed by a signal' : `exited ${r.exitCode}`;
  return { kind: 'failed', line: clip(lines[0] ?? `nodetool ${how} without an answer`) };
}

export function pingNode(escriptBin: string, nodetool: string, node: NodeIdentity, cwd: string, env?: NodeJS.ProcessEnv): Promise<PingVerdict> {
  return new Promise((resolve, reject) => {
    execFile(
      escriptBin,
      [nodetool, node.nameType, node.name, '-setcookie', node.cookie, 'ping'],
      { cwd, env, timeout: PING_TIMEOUT_MS, maxBuffer: 1 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        // code: a string (ENOENT...) when the escript could not run, else nodetool's exit status.
        const e = err as (Error & { code?: number | string; killed?: boolean }) | null;
        if (e && typeof e.code === 'string') {
          reject(
            new RelupError(e.code === 'EACCES' ? 'PERMISSION' : 'NOT_FOUND', `cannot run ${escriptBin} to ping the node: ${e.code}`, {
              hint: 'check ERTS_VSN in releases/emqx_vars and the erts-* directory of the release',
              cause: e,
            }),
          );
          return;
        }
        const exitCode = e ? (typeof e.code === 'number' ? e.code : null) : 0;
        resolve(classifyPing({ exitCode, killed: e?.killed === true, stdout, stderr }));
      },
    );
  });
}

export function nodeDown(node: NodeIdentity, line: string): RelupError {
  const said = line ? ` (nodetool said: ${line})` : '';
  return new RelupError('NODE_DOWN', `node ${node.name} is not running or not reachable with the configured cookie${said}`, {
    hint: "start it with 'emqx start' (a hot upgrade needs a running node), or set EMQX_NODE__NAME / EMQX_NODE__COOKIE",
    details: { node: node.name },
  });
}

/** nodetool could not tell: the node may well be running, so never advise starting it. */
export function nodetoolFailed(node: NodeIdentity, line: string): RelupError {
  return new RelupError('NODETOOL_FAILED', `nodetool failed, so whether node ${node.name} is running is unknown: ${line}`, {
    hint: 'fix what nodetool reports (cookie file permissions, the release\'s bin/nodetool and erts) and retry; nothing was changed',
    details: { node: node.name, nodetool: line },
  });
}

export function pingError(node: NodeIdentity, verdict: Exclude<PingVerdict, { kind: 'alive' }>): RelupError {
  return verdict.kind === 'down' ? nodeDown(node, verdict.line) : nodetoolFailed(node, verdict.line);
}
