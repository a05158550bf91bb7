// Which Erlang nodes does the running node see? Asked like the ping: the release's own nodetool,
// in the runner environment, evaluating `nodes()` on the node. Visible nodes only: nodetool and
// remote consoles connect hidden, so they never show up here. The rollout's health gate compares
// this list before and after a host's upgrade (a node can answer pings and be out of its cluster).
import { execFile } from 'node:child_process';
import type { NodeIdentity } from '../plan.js';
import { PING_TIMEOUT_MS, type NodetoolRun } from './ping.js';

// Names as strings: `~p` (EMQX's nodetool) and the fixture's printer both print a list of strings
// as ["a@h","b@h"] (possibly wrapped over lines), and a node name never holds a double quote.
export const PEERS_EXPR = '[atom_to_list(N) || N <- nodes()].';

export type PeersVerdict = { kind: 'ok'; peers: string[] } | { kind: 'failed'; line: string };

function clip(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/** Pure verdict on one `nodetool eval` run of PEERS_EXPR: the sorted peer names, or why not. */
export function classifyPeers(r: NodetoolRun): PeersVerdict {
  if (r.killed) return { kind: 'failed', line: `nodetool eval did not answer within ${PING_TIMEOUT_MS / 1000} s and was killed` };
  const out = r.stdout.trim();
  if (r.exitCode === 0 && /^\[[\s\S]*\]$/.test(out)) {
    const inner = out.slice(1, -1);
    const names = [...inner.matchAll(/"([^"\\]*)"/g)].map((m) => m[1]!);
    // Anything but strings, commas and blanks means it printed something else.
    if (inner.replace(/"[^"\\]*"/g, '').replace(/[\s,]/g, '') === '') return { kind: 'ok', peers: [...new Set(names)].sort() };
  }
  const first = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).find((l) => l !== '');
  const how = r.exitCode === null ? 'was killed by a signal' : `exited ${r.exitCode}`;
  return { kind: 'failed', line: clip(first ?? `nodetool eval ${how} without an answer`) };
}

export function readPeers(escriptBin: string, nodetool: string, node: NodeIdentity, cwd: string, env?: NodeJS.ProcessEnv): Promise<PeersVerdict> {
  return new Promise((resolve) => {
    execFile(
      escriptBin,
      [nodetool, node.nameType, node.name, '-setcookie', node.cookie, 'eval', PEERS_EXPR],
      { cwd, env, timeout: PING_TIMEOUT_MS, maxBuffer: 1 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string; killed?: boolean }) | null;
        // Reported, not thrown: the ping that follows a failed eval raises the spawn error.
        if (e && typeof e.code === 'string') return resolve({ kind: 'failed', line: `cannot run ${escriptBin}: ${e.code}` });
        const exitCode = e ? (typeof e.code === 'number' ? e.code : null) : 0;
        resolve(classifyPeers({ exitCode, killed: e?.killed === true, stdout, stderr }));
      },
    );
  });
}
