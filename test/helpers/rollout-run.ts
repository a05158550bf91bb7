// Runs `emqx-relup rollout` as a real child process (bin/emqx-relup from this checkout).
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RELUP_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/emqx-relup');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  /** Resolves when stdout has a line for which `pred` is true. */
  waitForLine(pred: (line: string) => boolean): Promise<string>;
  done: Promise<RunResult>;
}

// Generous: a loaded CI machine can take tens of seconds for preflight alone; a hang still ends.
/** `group`: run it as the leader of its own process group, as a shell does with a foreground job. */
export function startRollout(args: string[], cwd: string, timeoutMs = 240_000, group = false): Running {
  const child = spawn(process.execPath, [RELUP_BIN, 'rollout', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
  let stdout = '';
  let stderr = '';
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const line of stdout.split('\n')) {
      for (const w of [...waiters]) {
        if (w.pred(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<RunResult>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return {
    child,
    done,
    waitForLine: (pred) =>
      new Promise((resolve, reject) => {
        waiters.push({ pred, resolve });
        void done.then((r) => reject(new Error(`rollout exited (${r.code}) before the expected line; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`)));
      }),
  };
}

export function runRollout(args: string[], cwd: string, timeoutMs?: number): Promise<RunResult> {
  return startRollout(args, cwd, timeoutMs).done;
}

/** The JSON-lines events of a --json run. */
/** One parsed JSON line; the tests check its fields one by one. */
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of the tool's own output, asserted field by field
export type JsonLine = Record<string, any>;

export function events(stdout: string): JsonLine[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JsonLine);
}
