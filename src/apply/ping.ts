// Is the node alive? Asked the way the reference script asks: the release's own nodetool, run by
// the release's escript, must answer "pong".
import { execFile } from 'node:child_process';
import { RelupError } from '../errors.js';
import type { NodeIdentity } from '../plan.js';

export interface PingResult {
  alive: boolean;
  output: string;
}

export const PING_TIMEOUT_MS = 30_000;

export function pingNode(escriptBin: string, nodetool: string, node: NodeIdentity, cwd: string, env?: NodeJS.ProcessEnv): Promise<PingResult> {
  return new Promise((resolve, reject) => {
    execFile(
      escriptBin,
      [nodetool, node.nameType, node.name, '-setcookie', node.cookie, 'ping'],
      { cwd, env, timeout: PING_TIMEOUT_MS, maxBuffer: 1 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim();
        const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        if (e && typeof e.code === 'string') {
          reject(
            new RelupError(e.code === 'EACCES' ? 'PERMISSION' : 'NOT_FOUND', `cannot run ${escriptBin} to ping the node: ${e.code}`, {
              hint: 'check ERTS_VSN in releases/emqx_vars and the erts-* directory of the release',
              cause: e,
            }),
          );
          return;
        }
        resolve({ alive: !e && /^pong$/m.test(stdout), output });
      },
    );
  });
}

export function nodeDown(node: NodeIdentity, output: string): RelupError {
  const said = output ? ` (nodetool said: ${output.split('\n')[0]!.slice(0, 200)})` : '';
  return new RelupError('NODE_DOWN', `node ${node.name} is not running or not reachable with the configured cookie${said}`, {
    hint: "start it with 'emqx start' (a hot upgrade needs a running node), or set EMQX_NODE__NAME / EMQX_NODE__COOKIE",
    details: { node: node.name },
  });
}
